/**
 * A board compiled to a DTB boots like its source: with `dt compile -@` devices keep their labels;
 * without symbols they are named by path and the driver threads by their node names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from './run-cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hilbridge-dtb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a DTB compiled with -@ keeps labels: eeprom0 still names the part', async () => {
  const dtb = join(dir, 'with-symbols.dtb');
  expect((await runCli(['dt', 'compile', '-@', join(ROOT, 'dts', 'mock.dts'), '-o', dtb])).code).toBe(0);
  const w = await runCli(['--board', dtb, 'write', 'eeprom0', '0x3e', '--hex', 'a1b2c3d4']);
  expect(w.code).toBe(0);
  const r = await runCli(['--board', dtb, '--json', 'info']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('"eeprom0"');
});

it('a DTB without symbols boots too, naming devices by path', async () => {
  const dtb = join(dir, 'plain.dtb');
  expect((await runCli(['dt', 'compile', join(ROOT, 'dts', 'mock.dts'), '-o', dtb])).code).toBe(0);
  const r = await runCli(['--board', dtb, '--json', 'read', '/spi@0/eeprom@0', '0', '4']);
  expect(r.code).toBe(0);
  const ps = await runCli(['--board', dtb, '--json', 'ps']);
  expect(ps.stdout).toContain('"eeprom0-driver"');
});
