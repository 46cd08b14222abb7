/**
 * `npm run test:hw` itself, end to end: through the real spi-device addon under the hilemu
 * LD_PRELOAD shim, with an AT25 model standing in for the chip on /dev/spidev0.0, it runs the
 * round trip and the conformance suite on the Raspberry Pi board file (with a 2 KiB AT25160 in
 * place of the AT25256, so that erasing the chip before every test stays quick) and leaves the
 * chip's contents exactly as it found them. Without a chip it must say so and not pass.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../src/hal/clock';
import { At25Model } from '../../src/hal/mock/at25-model';
import { ModelServer } from '../emu/model-server';
import { buildShim } from '../emu/remote';

const ROOT = join(__dirname, '..', '..');
const BOARD = join(ROOT, 'dts', 'rpi-at25.dts');

function runTestHw(board: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'emu', 'register-swc.js'), join(ROOT, 'scripts', 'test-hw.ts'), '--board', board], {
      cwd: ROOT,
      env: { ...process.env, ...env, HILBRIDGE_BOARD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

it('without a chip it reports "no hardware present" and exits 77, not 0', async () => {
  // Under the shim with nothing emulated, so a Raspberry Pi's own /dev/spidev0.0 stays out of it.
  const r = await runTestHw(BOARD, { LD_PRELOAD: buildShim() });
  expect(r.code).toBe(77);
  expect(r.out).toMatch(/no hardware present/);
}, 60_000);

it('with an (emulated) chip it runs the round trip and the conformance suite, then restores the chip', async () => {
  // Real time, as on the bench: the driver polls the status register against its real-time timeout.
  const clock = new RealClock();
  const at25 = new At25Model({ size: 2048, pageSize: 32, addressWidth: 16, clock, writeCycleUs: 500 });
  const original = Uint8Array.from({ length: 2048 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
  at25.memory.set(original);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-hw-'));
  const board = join(dir, 'rpi-at25160.dts');
  writeFileSync(board, readFileSync(BOARD, 'utf8').replace('size = <32768>', 'size = <2048>').replace('pagesize = <64>', 'pagesize = <32>'));
  const server = await ModelServer.start({ clock, spi: { '/dev/spidev0.0': at25 } });
  try {
    const r = await runTestHw(board, { LD_PRELOAD: buildShim(), HILBRIDGE_EMU_SOCKET: server.socketPath, HILBRIDGE_EMU_SPIDEV: '/dev/spidev0.0' });
    expect(r.out).toMatch(/PASS {2}eeprom0 \(AT25, 2048 bytes\) on \/dev\/spidev0\.0/);
    expect(r.out).toMatch(/conformance suite/);
    expect(r.out).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(r.code).toBe(0);
    expect(Buffer.from(at25.memory).equals(Buffer.from(original))).toBe(true);
    expect(at25.status() & 0x0c).toBe(0); // no block protection left behind
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
