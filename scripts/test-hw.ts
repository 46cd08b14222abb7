/**
 * `npm run test:hw`: checks real EEPROMs described by a board file, without losing their contents.
 *
 * Usage: npm run test:hw -- --board board.dts   (or HILBRIDGE_BOARD=board.dts)
 *        add --no-conformance for the quick round trip only
 *
 * 1. Round trip: for every EEPROM node under a spidev, serprog or i2c-dev controller it reads and
 *    saves the last page, writes its bitwise inverse (every cell flips), reads it back, restores
 *    the saved bytes and verifies them. Read-only parts are only read.
 * 2. Conformance: the project's EEPROM conformance suite (test/conformance) runs against every
 *    chip that passed, through Jest (jest.hw.config.js). It saves the whole chip and its
 *    protection first and restores both afterwards (test/hw/conformance.hw.test.ts).
 *
 * It prints a report and exits 0 only if everything passed; with no chip reachable it says
 * "no hardware present" and exits 77 (the conventional "skipped" status) instead of passing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HilError } from '../src/abi/errno';
import { boardPath, type Chip, findChips, probeChip } from './hw-chips';

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
  const reachable: Chip[] = [];
  let failed = 0;
  for (const chip of chips) {
    const why = await probeChip(chip);
    if (why) {
      if (why.code === 'ENODEV' || why.code === 'ENOENT') {
        console.log(`SKIP  ${chip.label}: ${why.message}`);
      } else {
        failed++;
        console.log(`FAIL  ${chip.label}: cannot open: ${why.message}`);
      }
      continue;
    }
    reachable.push(chip);
    try {
      console.log(`PASS  ${chip.label}: ${await roundTrip(chip)}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${chip.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (reachable.length === 0 && failed === 0) {
    console.log('no hardware present: nothing was tested (see docs/hardware.md to enable the buses). Exit status 77: skipped, not passed.');
    return 77;
  }
  console.log(`round trip: ${reachable.length - failed} of ${chips.length} chips passed, ${failed} failed, ${chips.length - reachable.length} absent`);
  if (failed > 0 || process.argv.includes('--no-conformance')) return failed > 0 ? 1 : 0;
  console.log('conformance suite on the reachable chips (the whole chip is saved first and restored after):');
  const root = join(__dirname, '..');
  const jest = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', join(root, 'jest.hw.config.js')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, HILBRIDGE_BOARD: file, HILBRIDGE_HW_CHIPS: reachable.map((c) => c.config.name).join(',') },
  });
  return jest.status === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof HilError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
