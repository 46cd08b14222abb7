/**
 * The CLI against a USB serprog programmer, as a user with a Pico would run it: the board file
 * names /dev/ttyACM0, `--port` points at the real pseudo-terminal of an emulated programmer with an
 * AT25256 behind it, and bytes written in one process are read back in the next.
 */
import { RealClock } from '../../src/hal/clock';
import { At25Model } from '../../src/hal/mock/at25-model';
import { PtyProgrammer } from '../emu/pty-programmer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from './run-cli';

const BOARD = join(ROOT, 'dts', 'serprog-at25.dts');
let at25: At25Model;
let prog: PtyProgrammer;

beforeAll(async () => {
  at25 = new At25Model({ size: 32768, pageSize: 64, addressWidth: 16, clock: new RealClock(), writeCycleUs: 500 });
  prog = await PtyProgrammer.start({ chip: at25, name: 'pico-serprog', maxWrite: 260 });
});
afterAll(async () => {
  await prog?.unplug();
});

it('--port overrides the board file: write and read back through the programmer', async () => {
  const w = await runCli(['--board', BOARD, '--port', prog.path, '--yes', 'write', 'eeprom0', '0x3c', '--hex', '00112233445566778899']);
  expect(w.stderr).toBe('');
  expect(w.code).toBe(0);
  expect(Array.from(at25.memory.subarray(0x3c, 0x46))).toEqual([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99]);
  const r = await runCli(['--board', BOARD, '--port', prog.path, '--json', 'read', 'eeprom0', '0x3c', '10']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('00112233445566778899');
}, 60_000);

it('--image is refused for a real chip (it backs simulated parts only), and no file is created', async () => {
  const img = join(ROOT, 'dist', `never-${process.pid}.bin`);
  const r = await runCli(['--board', BOARD, '--port', prog.path, '--image', `eeprom0=${img}`, 'read', 'eeprom0', '0', '4']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--image backs simulated parts only; eeprom0 is on .* \(a real chip\)/);
  expect(existsSync(img)).toBe(false);
}, 60_000);

it('without --port the board\'s port is used, and a missing one says what to do', async () => {
  const r = await runCli(['--board', BOARD, 'status', 'eeprom0'], { env: { HILBRIDGE_PORT: '' } });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/serial port \/dev\/ttyACM0 does not exist: plug the programmer in and pass its port/);
});
