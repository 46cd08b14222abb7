/**
 * Destructive commands on a real chip ask first: on a terminal they ask and take only "y"/"yes";
 * without a terminal they need --yes; either way nothing is written until the answer is yes. The
 * chip is an AT25256 behind an emulated USB serprog programmer (a real backend: DeviceInfo.simulated
 * is false). The mock board never asks. `npm start` always runs on the mock board.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../src/hal/clock';
import { At25Model } from '../../src/hal/mock/at25-model';
import { PtyProgrammer } from '../emu/pty-programmer';
import { havePty, runOnPty } from './pty';
import { ROOT, runCli, tempDir } from './run-cli';

const BOARD = join(ROOT, 'dts', 'serprog-at25.dts');
let at25: At25Model;
let prog: PtyProgrammer;
let t: ReturnType<typeof tempDir>;

beforeAll(async () => {
  t = tempDir();
  at25 = new At25Model({ size: 32768, pageSize: 64, addressWidth: 16, clock: new RealClock(), writeCycleUs: 500 });
  prog = await PtyProgrammer.start({ chip: at25, name: 'pico-serprog', maxWrite: 260 });
});
afterAll(async () => {
  await prog?.unplug();
  t.cleanup();
});

const real = (): string[] => ['--board', BOARD, '--port', prog.path];
const at = (offset: number, n: number): number[] => Array.from(at25.memory.subarray(offset, offset + n));

describe('without a terminal', () => {
  test.each([
    [['write', 'eeprom0', '0x100', '--hex', '01 02'], /eeprom0 \(AT25 on spi0, serprog\) is a real chip and this would write 2 bytes at 0x100\.\.0x101; nothing was written\. There is no terminal to ask on: add --yes/],
    [['erase', 'eeprom0', '0x100', '2'], /would set 2 bytes at 0x100\.\.0x101 to 0xff; nothing was written.*add --yes/],
    [['protect', 'eeprom0', '--blocks', 'all'], /would set block protection all \(a status-register write\).*add --yes/],
    [['demo'], /would overwrite \d+ bytes at 0x30\.\.0x[0-9a-f]+ with the demo pattern.*add --yes/],
  ])('%j is refused (exit 2) and the chip is untouched', async (args, message) => {
    at25.memory.fill(0x5a, 0, 0x200);
    const before = Buffer.from(at25.memory);
    const r = await runCli([...real(), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(Buffer.from(at25.memory).equals(before)).toBe(true);
    expect(at25.status() & 0x0c).toBe(0); // block protection unchanged
  }, 60_000);

  test('--yes (or -y) goes ahead; reading, status and --dry-run never ask', async () => {
    const w = await runCli([...real(), '-y', 'write', 'eeprom0', '0x100', '--hex', 'a1 a2']);
    expect(w.code).toBe(0);
    expect(at(0x100, 2)).toEqual([0xa1, 0xa2]);
    for (const args of [['read', 'eeprom0', '0x100', '2'], ['status', 'eeprom0'], ['write', 'eeprom0', '0', '--hex', '00', '--dry-run'], ['blank', 'eeprom0', '0', '16']]) {
      const r = await runCli([...real(), ...args]);
      expect(r.stderr).not.toMatch(/--yes/);
      expect([0, 1]).toContain(r.code);
    }
  }, 60_000);

  test('a bad input is refused before the question: the usage error, not the confirmation, is reported', async () => {
    const r = await runCli([...real(), 'write', 'eeprom0', '0x7fff', '--hex', '01 02']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run past the end/);
    expect(r.stderr).not.toMatch(/--yes/);
  }, 60_000);

  test('the mock board never asks', async () => {
    const img = t.file('mock.bin');
    const r = await runCli(['--image', `eeprom0=${img}`, 'write', 'eeprom0', '0', '--hex', '01']);
    expect(r.code).toBe(0);
  });
});

(havePty ? describe : describe.skip)('on a terminal', () => {
  test('the question names the chip and what would happen; "n" writes nothing (exit 1), "y" writes', async () => {
    at25.memory.fill(0xff, 0x200, 0x210);
    const no = await runOnPty([...real(), 'write', 'eeprom0', '0x200', '--hex', 'c0 ff ee'], { steps: [{ waitFor: String.raw`\[y/N\] $`, send: 'n\r' }] });
    expect(no.screen).toMatch(/eeprom0 \(AT25 on spi0, serprog\) is a real chip: write 3 bytes at 0x200\.\.0x202\? \[y\/N\]/);
    expect(no.screen).toMatch(/hilbridge: ECANCELED: not confirmed; nothing was written to eeprom0/);
    expect(no.status).toBe(1);
    expect(at(0x200, 3)).toEqual([0xff, 0xff, 0xff]);

    const empty = await runOnPty([...real(), 'write', 'eeprom0', '0x200', '--hex', 'c0 ff ee'], { steps: [{ waitFor: String.raw`\[y/N\] $`, send: '\r' }] });
    expect(empty.status).toBe(1); // the default is no
    expect(at(0x200, 3)).toEqual([0xff, 0xff, 0xff]);

    const yes = await runOnPty([...real(), 'write', 'eeprom0', '0x200', '--hex', 'c0 ff ee'], { steps: [{ waitFor: String.raw`\[y/N\] $`, send: 'y\r' }] });
    expect(yes.status).toBe(0);
    expect(yes.screen).toMatch(/wrote 3 bytes to eeprom0 at 0x200\.\.0x202/);
    expect(at(0x200, 3)).toEqual([0xc0, 0xff, 0xee]);
  }, 60_000);

  test('Ctrl-C at the question cancels with nothing written', async () => {
    at25.memory.fill(0xff, 0x300, 0x301);
    const r = await runOnPty([...real(), 'erase', 'eeprom0', '0x300', '1', '--fill', '0'], { steps: [{ waitFor: String.raw`\[y/N\] $`, send: '\x03' }] });
    expect(r.status).toBe(130);
    expect(r.screen).toMatch(/cancelled; nothing was written to eeprom0/);
    expect(at(0x300, 1)).toEqual([0xff]);
  }, 60_000);

  test('with the data on standard input there is no terminal to ask on: --yes is needed', async () => {
    const data = t.file('in.bin', Buffer.from([1, 2, 3]));
    const r = await runOnPty([...real(), 'write', 'eeprom0', '0x400', '--in', '-'], { stdinFile: data });
    expect(r.status).toBe(2);
    expect(r.screen).toMatch(/add --yes/);
  }, 60_000);
});

test('npm start runs the demo on the mock board whatever HILBRIDGE_BOARD says', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const start = pkg.scripts.start!;
  expect(start).toMatch(/--board mock\b/);
  const out = execFileSync('sh', ['-c', start], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HILBRIDGE_BOARD: BOARD, HILBRIDGE_PORT: prog.path }, timeout: 60_000 });
  expect(out).toMatch(/^board hilbridge mock board /m);
  expect(out).toMatch(/^ok: eeprom0 wrote and read back/m);
}, 60_000);
