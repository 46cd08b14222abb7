/**
 * The EEPROM conformance suite against real chips (run by `npm run test:hw`, never by `npm test`).
 *
 * For each chip named in HILBRIDGE_HW_CHIPS (the ones the round trip found reachable) on the board
 * in HILBRIDGE_BOARD: the whole array and its block protection are saved first, every test starts
 * from an erased chip, and afterwards the contents are written back, verified, and the protection
 * restored. A chip whose node is read-only is only read.
 */
import type { EepromConfig } from '../../src/abi/device-config';
import type { EepromStatus } from '../../src/userdrivers/eeprom';
import type { EepromPart } from '../../src/devicetree/parts';
import { findChips, type Chip } from '../../scripts/hw-chips';
import { runEepromConformance } from '../conformance/eeprom-conformance';

const board = process.env.HILBRIDGE_BOARD;
const wanted = (process.env.HILBRIDGE_HW_CHIPS ?? '').split(',').filter(Boolean);

function partOf(c: EepromConfig): EepromPart {
  return c.kind === 'at25'
    ? { kind: 'at25', name: c.name, size: c.size, pageSize: c.pageSize, addressWidth: c.addressWidth }
    : { kind: 'at24', name: c.name, size: c.size, pageSize: c.pageSize, addressWidth: c.addressWidth };
}

function hardwareSuite(chip: Chip): void {
  let saved: Uint8Array | undefined;
  let status: EepromStatus | undefined;

  beforeAll(async () => {
    const c = await chip.open({ readOnly: true });
    try {
      saved = await c.eeprom.read(0, c.eeprom.size());
      status = await c.eeprom.status();
    } finally {
      await c.close();
    }
  });

  afterAll(async () => {
    if (!saved || !status) return;
    const c = await chip.open({ readOnly: false });
    try {
      if (chip.config.kind === 'at25') await c.eeprom.setProtection({ blocks: 'none' });
      await c.eeprom.write(0, saved, { verify: true });
      if (chip.config.kind === 'at25' && status.blocks !== 'none') await c.eeprom.setProtection({ blocks: status.blocks });
    } finally {
      await c.close();
    }
  });

  runEepromConformance(
    'hardware',
    async (_part, { readOnly }) => {
      const w = await chip.open({ readOnly: false });
      try {
        if (chip.config.kind === 'at25') await w.eeprom.setProtection({ blocks: 'none' });
        await w.eeprom.erase(0, undefined, 0xff, { verify: true });
      } finally {
        await w.close();
      }
      const c = await chip.open({ readOnly });
      return { eeprom: c.eeprom, close: () => c.close() };
    },
    { parts: [partOf(chip.config)] },
  );
}

if (!board) {
  test('HILBRIDGE_BOARD names the board to test', () => {
    throw new Error('run this through `npm run test:hw -- --board FILE`, which sets HILBRIDGE_BOARD and the reachable chips');
  });
} else {
  const chips = findChips(board).filter((c) => wanted.length === 0 || wanted.includes(c.config.name));
  if (chips.length === 0) {
    test('at least one reachable chip', () => {
      throw new Error(`no chip of ${board} to test (HILBRIDGE_HW_CHIPS=${wanted.join(',') || 'unset'})`);
    });
  }
  for (const chip of chips) {
    if (chip.config.readOnly) {
      test(`${chip.label} is read-only in the board file: reads are stable`, async () => {
        const c = await chip.open();
        try {
          const a = await c.eeprom.read(0, c.eeprom.size());
          expect(Buffer.from(await c.eeprom.read(0, c.eeprom.size())).equals(Buffer.from(a))).toBe(true);
        } finally {
          await c.close();
        }
      });
      continue;
    }
    describe(chip.label, () => hardwareSuite(chip));
  }
}
