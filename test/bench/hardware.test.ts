/**
 * `npm run bench -- --board FILE` on real hardware, in CI: the benchmark runs through the real
 * spi-device addon under the hilemu LD_PRELOAD shim, with an AT25 model standing in for the chip
 * on /dev/spidev0.0 (the Raspberry Pi board file, with a 2 KiB AT25160 so that it stays quick).
 * It reads by default; with --scratch it writes only inside that range, and the chip (every byte
 * and the status register) is left exactly as it was found, also when the run is stopped with
 * Ctrl-C in the middle of its writes. Shape and consistency only: no timing is asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../../bench/result';
import { RealClock } from '../../src/hal/clock';
import { At25Model } from '../../src/hal/mock/at25-model';
import { ModelServer } from '../emu/model-server';
import { emuProcessEnv } from '../emu/remote';
import { ensureBenchBuilt } from './build';

const ROOT = join(__dirname, '..', '..');
const RUN = join(ROOT, 'dist', 'bench', 'run.js');
const SIZE = 2048;

let dir: string;
let board: string;

beforeAll(() => {
  ensureBenchBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hilbridge-bench-hw-'));
  board = join(dir, 'rpi-at25160.dts');
  writeFileSync(board, readFileSync(join(ROOT, 'dts', 'rpi-at25.dts'), 'utf8').replace('size = <32768>', `size = <${SIZE}>`).replace('pagesize = <64>', 'pagesize = <32>'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Chip {
  readonly at25: At25Model;
  readonly server: ModelServer;
  readonly original: Uint8Array;
  readonly status: number;
}

async function chip(): Promise<Chip> {
  const at25 = new At25Model({ size: SIZE, pageSize: 32, addressWidth: 16, clock: new RealClock(), writeCycleUs: 300, status: 0x80 });
  const original = Uint8Array.from({ length: SIZE }, (_, i) => (i * 29 + (i >> 7)) & 0xff);
  at25.memory.set(original);
  const server = await ModelServer.start({ clock: new RealClock(), spi: { '/dev/spidev0.0': at25 } });
  return { at25, server, original, status: at25.status() };
}

function bench(args: readonly string[], server: ModelServer): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [RUN, '--board', board, '--quick', '--json', '--no-charts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...emuProcessEnv({ socketPath: server.socketPath, spidev: ['/dev/spidev0.0'] }), HILBRIDGE_BOARD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
  return { child, done };
}

function leftAsFound(c: Chip): void {
  expect(Buffer.from(c.at25.memory).equals(Buffer.from(c.original))).toBe(true);
  expect(c.at25.status() & 0x8e).toBe(c.status & 0x8e); // WPEN, BP1, BP0 and WEL as found
}

it('reads only, by default: whole-part and driver rows name the spidev backend, its clock and the machine; no write row, nothing changed', async () => {
  const c = await chip();
  try {
    const r = await bench(['--only', 'wholepart,driver'], c.server).done;
    expect(r.err).not.toMatch(/bench: (?!.*restored)/);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as BenchResult;
    expect(res.target.devices).toEqual([expect.objectContaining({ name: 'eeprom0', backend: 'spidev', clockHz: 2_000_000, simulated: false })]);
    expect(res.target.scratch).toEqual([]);
    expect(res.wholePart.length).toBeGreaterThan(0);
    for (const w of res.wholePart) {
      expect(w.op).toBe('read');
      expect(w.bytes).toBe(SIZE);
      expect(w.busTiming).toBe('hardware');
      expect(w.ranOn).toMatchObject({ device: 'eeprom0', backend: 'spidev', clockHz: 2_000_000, busTiming: 'hardware', node: process.version });
      expect(w.wire.wireUs).toBeGreaterThan((SIZE * 8 * 1e6) / 2_000_000 - 1);
    }
    expect(res.rows.some((x) => x.name.includes('page write'))).toBe(false);
    for (const x of res.rows) expect(x.ranOn).toMatchObject({ backend: 'spidev', busTiming: 'hardware' });
    leftAsFound(c);
  } finally {
    await c.server.stop();
  }
}, 240_000);

it('with --scratch it writes inside the range only, then restores the range and the status register', async () => {
  const c = await chip();
  const before = c.server.log.length;
  try {
    const r = await bench(['--only', 'wholepart,driver', '--scratch', 'eeprom0:0x400:256'], c.server).done;
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/eeprom0: scratch range restored .*verified/);
    const res = JSON.parse(r.out) as BenchResult;
    expect(res.target.scratch).toEqual([{ device: 'eeprom0', offset: 0x400, length: 256 }]);
    const writes = res.wholePart.filter((w) => w.op === 'write');
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect([w.offset, w.bytes]).toEqual([0x400, 256]);
    expect(res.rows.some((x) => x.name.includes('page write'))).toBe(true);
    // Every WRITE the chip saw landed inside the scratch range.
    for (const rec of c.server.log.slice(before)) {
      if (rec.kind !== 'spi') continue;
      for (const x of rec.xfers) {
        if (x.mosi[0] !== 0x02 || x.len < 3) continue;
        const at = (x.mosi[1]! << 8) | x.mosi[2]!;
        expect(at).toBeGreaterThanOrEqual(0x400);
        expect(at + x.len - 3).toBeLessThanOrEqual(0x500);
      }
    }
    leftAsFound(c);
  } finally {
    await c.server.stop();
  }
}, 240_000);

it('Ctrl-C in the middle of the writes: exit 130, and the chip is left as found', async () => {
  const c = await chip();
  try {
    const run = bench(['--only', 'wholepart', '--scratch', 'eeprom0:0x400:1024'], c.server);
    // Wait for the first WRITE to reach the chip, then interrupt.
    const t0 = Date.now();
    while (Date.now() - t0 < 120_000) {
      if (c.server.log.some((rec) => rec.kind === 'spi' && rec.xfers.some((x) => x.mosi[0] === 0x02))) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/SIGINT: stopping; the scratch ranges will be restored/);
    expect(r.err).toMatch(/interrupted; scratch ranges restored and verified/);
    leftAsFound(c);
  } finally {
    await c.server.stop();
  }
}, 240_000);
