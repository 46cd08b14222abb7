/**
 * `--image` keeps the whole chip, status register included: `protect` in one run is what `status`
 * (and a refused write) sees in the next. The image file stays a plain dump of the array; the
 * registers live beside it in FILE.state (src/hal/mock/image.ts).
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { runCli, runJson, tempDir } from './run-cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('hilbridge-image-state-');
});
afterAll(() => t.cleanup());

test('protect, then status in the next run: the protection is still there', async () => {
  const img = t.file('chip.bin');
  const g = ['--image', `eeprom0=${img}`];
  const p = await runJson([...g, 'protect', 'eeprom0', '--blocks', 'upper-half', '--wpen', 'on']);
  expect(p.code).toBe(0);
  expect(p.json).toMatchObject({ blocks: 'upper-half', wpen: true, raw: 0x88 });

  const s = await runJson([...g, 'status', 'eeprom0']);
  expect(s.json).toMatchObject({ device: 'eeprom0', busy: false, wel: false, blocks: 'upper-half', wpen: true, raw: 0x88, protectedFrom: 16384 });
  // The image is still a plain 32 KiB dump; the registers are in the sidecar.
  expect(statSync(img).size).toBe(32768);
  expect(readFileSync(img).every((b) => b === 0xff)).toBe(true);
  expect(JSON.parse(readFileSync(`${img}.state`, 'utf8'))).toEqual({ format: 'hilbridge-image-state', version: 1, status: 0x88 });

  // A later run's write into the protected half is refused, as the chip would.
  const w = await runCli([...g, 'write', 'eeprom0', '0x4000', '--hex', '00']);
  expect(w.code).toBe(1);
  expect(w.stderr).toMatch(/EROFS: .*overlaps the block-protected range \[16384, 32768\)/);

  // Lifted in one run, gone in the next.
  expect((await runCli([...g, 'protect', 'eeprom0', '--blocks', 'none', '--wpen', 'off'])).code).toBe(0);
  const after = await runJson([...g, 'status', 'eeprom0']);
  expect(after.json).toMatchObject({ blocks: 'none', wpen: false, raw: 0 });
}, 90_000);

test('a new image is a new chip: a stale sidecar beside a missing image is forgotten', async () => {
  const img = t.file('fresh.bin');
  const g = ['--image', `eeprom0=${img}`];
  expect((await runCli([...g, 'protect', 'eeprom0', '--blocks', 'all'])).code).toBe(0);
  rmSync(img);
  const s = await runJson([...g, 'status', 'eeprom0']);
  expect(s.json).toMatchObject({ blocks: 'none', raw: 0 });
  expect(existsSync(`${img}.state`)).toBe(false);
}, 60_000);
