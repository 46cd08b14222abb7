/**
 * WP and HOLD on a Raspberry Pi board, end to end through the real GPIO binding (koffi) against
 * emulated /dev/gpiochip0 and /dev/spidev0.0: the built CLI and the kernel run under the LD_PRELOAD
 * shim, and the model server records GPIO line changes in order with the SPI transactions.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../../src/hal/clock';
import { At25Model } from '../../../src/hal/mock/at25-model';
import { runCli } from '../../cli/run-cli';
import { ModelServer, type WireRecord } from '../../emu/model-server';
import { emuProcessEnv } from '../../emu/remote';

const ROOT = join(__dirname, '..', '..', '..');
const BOARD = join(ROOT, 'dts', 'rpi-at25-wp.dts');
const CHIP = '/dev/gpiochip0';
const WP = 25;
const HOLD = 24;

let server: ModelServer;
let at25: At25Model;

beforeEach(async () => {
  const clock = new RealClock(); // the driver polls on the real clock: so must the chip's write cycle
  at25 = new At25Model({ size: 32768, pageSize: 64, addressWidth: 16, clock, writeCycleUs: 200 });
  server = await ModelServer.start({ clock, spi: { '/dev/spidev0.0': at25 } });
  server.wirePin(CHIP, WP, at25, 'wp');
  server.wirePin(CHIP, HOLD, at25, 'hold');
});
afterEach(async () => {
  await server.stop();
});

function env(extra: Partial<Parameters<typeof emuProcessEnv>[0]> = {}): NodeJS.ProcessEnv {
  return emuProcessEnv({ socketPath: server.socketPath, spidev: ['/dev/spidev0.0'], gpiochips: [{ path: CHIP, label: 'pinctrl-bcm2711', lines: 58 }], ...extra });
}

/** The wire as events: "wp=L", "hold=L" (physical levels), "WRITE" (a page write), "spi" (anything else). */
function events(log: readonly WireRecord[]): string[] {
  return log.map((r) => {
    if (r.kind === 'gpio') return `${r.line === WP ? 'wp' : r.line === HOLD ? 'hold' : `line${r.line}`}=${r.level}`;
    if (r.kind === 'spi') return r.xfers.some((x) => x.mosi[0] === 0x02) ? 'WRITE' : 'spi';
    return r.kind;
  });
}

/** Runs a kernel scenario in a child process under the shim (asynchronously: the model server answers it from here). */
function scenario(name: string, e: NodeJS.ProcessEnv = env()): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'emu', 'register-swc.js'), join(ROOT, 'test', 'emu', 'gpio-scenario.ts'), name, BOARD], {
      env: { ...process.env, ...e },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        reject(new Error(`scenario ${name} printed ${out} ${err}`));
      }
    });
  });
}

it('WP is asserted at boot, before any SPI traffic, lifted exactly around each page write and asserted again after', async () => {
  const r = await runCli(['--board', BOARD, 'write', 'eeprom0', '60', '--hex', '01 02 03 04 05 06 07 08 09 0a', '--no-verify', '--yes'], { env: env() });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const ev = events(server.log);
  expect(ev[0]).toBe('wp=0'); // claimed asserted before any SPI traffic (HOLD claimed inactive: it idles high already)
  expect(ev).not.toContain('hold=0');
  expect(ev.filter((x) => x === 'WRITE')).toHaveLength(2); // [60,64) and [64,70)
  let lifted = false;
  let wrote = false;
  for (const x of ev.slice(2)) {
    if (x === 'wp=1') [lifted, wrote] = [true, false];
    else if (x === 'wp=0') {
      if (lifted) expect(wrote).toBe(true);
      lifted = false;
    } else if (x === 'WRITE') {
      expect(lifted).toBe(true);
      wrote = true;
    }
  }
  expect(server.lineLevel(CHIP, WP)).toBe(0); // still asserted after the process let go: parked with a pull-down
});

it('status shows the WP and HOLD lines', async () => {
  const r = await runCli(['--board', BOARD, 'status', 'eeprom0'], { env: env() });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/WP asserted \(writes protected\), HOLD not asserted/);
});

it("a thread that was not granted the device gets EPERM on its WP line, and WP stays asserted", async () => {
  const r = await scenario('ungranted');
  expect(r.reports).toEqual([expect.objectContaining({ ok: false, code: 'EPERM' })]);
  expect(r.wp).toBe(1);
  expect(server.lineLevel(CHIP, WP)).toBe(0);
});

it('a driver that faults with WP lifted leaves the chip protected', async () => {
  const r = await scenario('fault');
  expect(r.reports).toEqual([{ lifted: true }]);
  expect(r.wp).toBe(1);
  expect(events(server.log).filter((x) => x.startsWith('wp='))).toEqual(['wp=0', 'wp=1', 'wp=0']); // claimed, lifted by the thread, put back by the kernel
});

it('HOLD asserted by the kernel pauses the chip: reads see a chip that does not answer until it is released', async () => {
  const r = await scenario('hold');
  expect(r.during).toEqual({ error: 'ETIMEDOUT' });
  expect(r.after).toEqual([0x11, 0x22, 0x33, 0x44]);
});

it('Ctrl-C during a write stops after the page in flight with WP asserted', async () => {
  const data = Buffer.alloc(4096, 0x5a).toString('hex');
  let interruptedAt: number | undefined;
  const r = await runCli(['--board', BOARD, 'write', 'eeprom0', '0', '--hex', data, '--yes'], {
    env: env(),
    onSpawn: (child) => {
      const t = setInterval(() => {
        if (events(server.log).includes('WRITE')) {
          clearInterval(t);
          interruptedAt = performance.now();
          child.kill('SIGINT');
        }
      }, 5);
      child.once('close', () => clearInterval(t));
    },
    // A process that has not ended by then is stopped, so that the failure shows what it printed.
    kill: { signal: 'SIGKILL', afterMs: 25_000 },
  });
  expect({ code: r.code, signal: r.signal, interrupted: interruptedAt !== undefined, stderr: r.stderr }).toMatchObject({ code: 130 });
  expect(server.lineLevel(CHIP, WP)).toBe(0);
  const ev = events(server.log);
  const lastAsserted = ev.lastIndexOf('wp=0');
  expect(ev.lastIndexOf('wp=1')).toBeLessThan(lastAsserted); // never left lifted
  expect(ev.slice(lastAsserted)).not.toContain('WRITE'); // nothing written after WP went back
  expect(r.stderr).toMatch(/write interrupted: \d+ of 4096 bytes done/);
});

it('probe lists the GPIO chips and says which one the board\'s lines resolve to', async () => {
  const dev = mkdtempSync(join(tmpdir(), 'hilbridge-probe-dev-'));
  const root = mkdtempSync(join(tmpdir(), 'hilbridge-probe-tree-'));
  try {
    for (const n of ['gpiochip0', 'gpiochip1']) writeFileSync(join(dev, n), '');
    writeFileSync(join(root, 'model'), 'Raspberry Pi 4 Model B\0');
    const e = emuProcessEnv({
      socketPath: server.socketPath,
      gpiochips: [
        { path: join(dev, 'gpiochip0'), label: 'pinctrl-bcm2711', lines: 58 },
        { path: join(dev, 'gpiochip1'), label: 'raspberrypi-exp-gpio', lines: 8 },
      ],
      reserved: [join(dev, 'gpiochip')],
    });
    const r = await runCli(['--board', BOARD, 'probe', '--root', root, '--dev', dev], { env: e });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gpiochip0 gpiochip0 \[pinctrl-bcm2711\], 58 lines/);
    expect(r.stdout).toMatch(/gpiochip1 gpiochip1 \[raspberrypi-exp-gpio\], 8 lines/);
    expect(r.stdout).toMatch(new RegExp(`/soc/gpio@7e200000 -> ${join(dev, 'gpiochip0')} \\[pinctrl-bcm2711\\]`));
  } finally {
    rmSync(dev, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
});

describe('errors at boot, before any bus traffic', () => {
  it('no GPIO chip with a Pi label: says which labels were looked for and which chips exist', async () => {
    const r = await runCli(['--board', BOARD, 'status', 'eeprom0'], { env: env({ gpiochips: [{ path: CHIP, label: 'some-other-chip', lines: 8 }] }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT: .*eeprom0.*pinctrl-bcm2711.*some-other-chip/s);
    expect(server.log.filter((x) => x.kind === 'spi')).toEqual([]);
  });

  it('WP held by another process: EBUSY, says how to find the holder', async () => {
    const r = await runCli(['--board', BOARD, 'status', 'eeprom0'], { env: env({ gpioBusy: [{ path: CHIP, line: WP, consumer: 'someone-else' }] }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EBUSY: .*someone-else.*gpioinfo/s);
    expect(server.log.filter((x) => x.kind === 'spi')).toEqual([]);
  });

  it('no permission on the chip: EACCES, says to join the gpio group', async () => {
    const r = await runCli(['--board', BOARD, 'status', 'eeprom0'], { env: env({ deny: [CHIP] }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EACCES: .*gpio group/s);
    expect(server.log.filter((x) => x.kind === 'spi')).toEqual([]);
  });
});
