/**
 * `npm run test:hw`: a non-destructive round trip against real EEPROMs described by a board file.
 *
 * Usage: npm run test:hw -- --board board.dts   (or HILBRIDGE_BOARD=board.dts)
 *
 * For every enabled atmel,at25 / atmel,at24 node under a spidev, serprog or i2c-dev controller it
 * reads and saves the last page, writes its bitwise inverse (every cell flips), reads it back,
 * restores the saved bytes and verifies them. Read-only parts are only read. It prints a report
 * and exits 0 only if every chip passed; with no hardware reachable it says "no hardware present"
 * and exits 77 (the conventional "skipped" status) instead of passing.
 */
import { existsSync } from 'node:fs';
import type { At24Config, At25Config } from '../src/abi/device-config';
import { HilError } from '../src/abi/errno';
import { compatibles, isEnabled, loadTree, walk, type DtNode } from '../src/devicetree';
import { at24Config, at25Config, chipSelect, i2cControllerInfo, isI2cController, isSpiController, spiControllerInfo } from '../src/devicetree/accessors';
import type { I2cController } from '../src/hal/i2c';
import { createI2cDevController } from '../src/hal/i2cdev';
import { createSerprogController } from '../src/hal/serprog';
import type { SpiController } from '../src/hal/spi';
import { createSpidevController } from '../src/hal/spidev';
import type { DriverEnv, I2cDeviceApi, SpiDeviceApi } from '../src/user/device-api';
import { At24Eeprom } from '../src/userdrivers/at24';
import { At25Eeprom } from '../src/userdrivers/at25';
import type { Eeprom } from '../src/userdrivers/eeprom';

interface Chip {
  readonly label: string;
  readonly present: boolean;
  readonly why: string;
  open(): Promise<{ eeprom: Eeprom; readOnly: boolean; close(): Promise<void> }>;
}

const env: DriverEnv = {
  nowMs: () => performance.now(),
  sleepUs: (us) => new Promise((r) => setTimeout(r, Math.ceil(us / 1000))),
  alloc: (n) => new Uint8Array(n),
};

function boardPath(): string | undefined {
  const i = process.argv.indexOf('--board');
  return i >= 0 ? process.argv[i + 1] : process.env.HILBRIDGE_BOARD;
}

function spiChips(node: DtNode, open: () => Promise<SpiController>, devPath: (cs: number) => string | undefined): Chip[] {
  return node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at25'))
    .map((c) => {
      const cfg: At25Config = at25Config(c);
      const cs = chipSelect(c);
      const path = devPath(cs);
      return {
        label: `${cfg.name} (AT25, ${cfg.size} bytes) on ${path ?? 'serprog'}`,
        present: path === undefined || existsSync(path),
        why: path ? `${path} is missing` : '',
        open: async () => {
          const ctl = await open();
          const dev = await ctl.openDevice({ chipSelect: cs, mode: cfg.mode, maxSpeedHz: cfg.maxSpeedHz });
          const api: SpiDeviceApi = { maxTransferBytes: dev.maxTransferBytes, transaction: (ops) => dev.transfer(ops), lock: async () => undefined, unlock: async () => undefined };
          return { eeprom: new At25Eeprom(api, cfg, env), readOnly: cfg.readOnly, close: async () => ctl.close() };
        },
      };
    });
}

function i2cChips(node: DtNode, bus: number): Chip[] {
  const path = `/dev/i2c-${bus}`;
  return node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at24'))
    .map((c) => {
      const cfg: At24Config = at24Config(c);
      return {
        label: `${cfg.name} (AT24, ${cfg.size} bytes) at 0x${cfg.address.toString(16)} on ${path}`,
        present: existsSync(path),
        why: `${path} is missing`,
        open: async () => {
          const ctl: I2cController = await createI2cDevController({ busNumber: bus });
          const api: I2cDeviceApi = { maxTransferBytes: ctl.maxTransferBytes, repeatedStart: ctl.repeatedStart, transfer: (ops) => ctl.transfer(ops) };
          return { eeprom: new At24Eeprom(api, cfg, env), readOnly: cfg.readOnly, close: () => ctl.close() };
        },
      };
    });
}

function findChips(file: string): Chip[] {
  const tree = loadTree(file);
  const chips: Chip[] = [];
  for (const node of walk(tree.root)) {
    if (!isEnabled(node)) continue;
    if (isSpiController(node)) {
      const info = spiControllerInfo(node);
      if (info.kind === 'spidev') {
        chips.push(...spiChips(node, async () => createSpidevController({ busNumber: info.bus }), (cs) => `/dev/spidev${info.bus}.${cs}`));
      } else if (info.kind === 'serprog') {
        const port = process.env.HILBRIDGE_PORT ?? info.port; // like the CLI's --port override
        for (const c of spiChips(node, () => createSerprogController({ port, baudRate: info.baudRate }), () => undefined)) {
          chips.push({ ...c, label: c.label.replace('serprog', `serprog ${port}`), present: existsSync(port), why: `${port} is missing` });
        }
      }
    } else if (isI2cController(node)) {
      const info = i2cControllerInfo(node);
      if (info.kind === 'i2c-dev') chips.push(...i2cChips(node, info.bus));
    }
  }
  return chips;
}

async function roundTrip(chip: Chip): Promise<string> {
  const { eeprom, readOnly, close } = await chip.open();
  try {
    const page = eeprom.pageSize();
    const offset = eeprom.size() - page;
    const saved = await eeprom.read(offset, page);
    const again = await eeprom.read(offset, page);
    if (!saved.every((b, i) => b === again[i])) throw new HilError('EIO', 'two reads of the same page differ: check wiring, clock speed and power');
    if (readOnly) return `read-only: read ${page} bytes at 0x${offset.toString(16)} twice, identical`;
    const inverse = saved.map((b) => b ^ 0xff);
    try {
      await eeprom.write(offset, inverse);
      const got = await eeprom.read(offset, page);
      const bad = got.findIndex((b, i) => b !== inverse[i]);
      if (bad >= 0) throw new HilError('EIO', `readback mismatch at 0x${(offset + bad).toString(16)}: wrote 0x${inverse[bad]!.toString(16)}, read 0x${got[bad]!.toString(16)} (write-protected? check WP and the status register)`);
    } finally {
      await eeprom.write(offset, saved); // restore whatever happened above
    }
    const restored = await eeprom.read(offset, page);
    if (!restored.every((b, i) => b === saved[i])) throw new HilError('EIO', `could not restore the last page at 0x${offset.toString(16)}`);
    return `wrote and verified the inverse of ${page} bytes at 0x${offset.toString(16)}, restored the original`;
  } finally {
    await close();
  }
}

async function main(): Promise<number> {
  const file = boardPath();
  if (!file) {
    console.error('test:hw needs a board file: npm run test:hw -- --board my-board.dts (or HILBRIDGE_BOARD=...)');
    return 2;
  }
  const chips = findChips(file);
  if (chips.length === 0) {
    console.error(`${file}: no enabled atmel,at25 or atmel,at24 node under a spidev, serprog or i2c-dev controller`);
    return 2;
  }
  const present = chips.filter((c) => c.present);
  if (present.length === 0) {
    console.log(`no hardware present: ${chips.map((c) => `${c.label}: ${c.why}`).join('; ')}`);
    console.log('nothing was tested (see docs/hardware.md to enable the buses). Exit status 77: skipped, not passed.');
    return 77;
  }
  let failed = 0;
  for (const chip of chips) {
    if (!chip.present) {
      console.log(`SKIP  ${chip.label}: ${chip.why}`);
      continue;
    }
    try {
      console.log(`PASS  ${chip.label}: ${await roundTrip(chip)}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${chip.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  console.log(`${present.length - failed} of ${chips.length} chips passed, ${failed} failed, ${chips.length - present.length} absent`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
