/**
 * serprog: hilbridge against a bare client on the same emulated programmer (bench/serprog/), which
 * the suite starts itself on a pseudo-terminal. Rows:
 *
 * - open: `SerprogController.open` (sync and interrogation) until the programmer is usable, and
 *   the bare client's open (one SYNCNOP);
 * - one operation: a 1-byte RDSR through the serprog backend's SPI device in the kernel, against
 *   the same O_SPIOP from the bare client: what the backend adds to every serprog operation;
 * - 32 KiB read: the whole AT25256 through the in-kernel driver, a user driver thread and the
 *   library's path (what `hilbridge dump` does), against the bare client sending the same
 *   O_SPIOPs (same chunking).
 *
 * hilbridge and the bare client cannot hold the port at once (it is opened exclusively), so they
 * take turns, round by round.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HilError } from '../../src/abi/errno';
import { SerprogController } from '../../src/hal/serprog';
import { loadSerialPort } from '../../src/hal/native';
import { packageRoot } from '../../src/kernel/paths';
import { LibrarySession, placement, PlacementSession } from '../placements';
import { BareSerprog } from '../serprog/bare-client';
import { summarize, type Summary } from '../stats';
import { perCallAsync } from '../timing';

export interface SerprogRow {
  readonly path: string;
  readonly us: Summary;
  /** Median over the bare client's median for the same operations. */
  readonly vsBare?: number | undefined;
}

export interface SerprogResult {
  readonly board: string;
  readonly emulator: string;
  /** The bytes one hilbridge read call moves (the driver's chunk on this programmer). */
  readonly readChunk: number;
  readonly openMs: Summary;
  readonly bareOpenMs: Summary;
  readonly op: { readonly hilbridge: Summary; readonly bare: Summary; readonly addedUs: number };
  readonly read32k: readonly SerprogRow[];
  readonly bareRead32k: Summary;
  /** The library path's 32 KiB read over the bare client's. */
  readonly ratio: number;
}

export interface SerprogParams {
  readonly rounds: number;
  readonly opens: number;
  readonly opReps: number;
  readonly readReps: number;
}

/** Why the suite cannot run here, or undefined. */
export function serprogUnavailable(): string | undefined {
  try {
    loadSerialPort();
  } catch (e) {
    return `the serialport package cannot be loaded (${e instanceof Error ? e.message : String(e)})`;
  }
  const py = spawnSync(process.env.PYTHON ?? 'python3', ['-c', 'import pty'], { encoding: 'utf8' });
  if (py.status !== 0) return 'python3 (with its pty module) is needed for the emulated programmer';
  return undefined;
}

async function startEmulator(): Promise<{ child: ChildProcessWithoutNullStreams; path: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'serprog', 'emulator-main.js')], { stdio: 'pipe' });
  const path = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new HilError('EIO', `the serprog emulator exited (${code})`)));
  });
  return { child, path };
}

export async function serprogSuite(p: SerprogParams): Promise<SerprogResult> {
  const board = join(packageRoot(), 'dts', 'serprog-at25.dts');
  const { child, path } = await startEmulator();
  const opens: number[] = [];
  const bareOpens: number[] = [];
  const opH: Float64Array[] = [];
  const opB: Float64Array[] = [];
  const reads = new Map<string, Float64Array[]>();
  const bareReads: Float64Array[] = [];
  let chunk = 0;
  const size = 32768;
  try {
    for (let r = 0; r < p.rounds; r++) {
      // Opening: hilbridge's controller, then the bare client, alternately.
      for (let i = 0; i < Math.ceil(p.opens / p.rounds); i++) {
        let t0 = performance.now();
        const ctl = await SerprogController.open({ port: path });
        opens.push(performance.now() - t0);
        if (i === 0) {
          const dev = await ctl.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 2_000_000 });
          const rx = new Uint8Array(1);
          const rdsr = Uint8Array.of(0x05);
          opH.push(await perCallAsync(p.opReps, 20, () => dev.transfer([{ tx: rdsr, len: 1 }, { rx, len: 1 }])));
        }
        await ctl.close();
        t0 = performance.now();
        const bare = await BareSerprog.open(path);
        bareOpens.push(performance.now() - t0);
        if (i === 0) {
          const rdsr = Uint8Array.of(0x05);
          opB.push(await perCallAsync(p.opReps, 20, () => bare.spiOp(rdsr, 1)));
        }
        await bare.close();
      }
      // The 32 KiB read: in the kernel and in a user driver thread, then the library's path, then bare.
      const s = await PlacementSession.open(board, [], ['eeprom0'], path);
      try {
        chunk = s.hb.inKernelDriver('eeprom0').readChunk();
        for (const key of ['a', 'c-sync'] as const) {
          const [res] = await s.run(placement(key), 'eeprom0', [{ op: 'read', offset: 0, len: size, reps: p.readReps, warmup: 2 }]);
          const label = placement(key).label;
          reads.set(label, [...(reads.get(label) ?? []), res!.samples]);
        }
      } finally {
        await s.close();
      }
      const lib = await LibrarySession.open(board, [], 'sync', path);
      try {
        const [res] = await lib.run('eeprom0', [{ op: 'read', offset: 0, len: size, reps: p.readReps, warmup: 2 }]);
        const label = placement('d-sync').label;
        reads.set(label, [...(reads.get(label) ?? []), res!.samples]);
      } finally {
        await lib.close();
      }
      const bare = await BareSerprog.open(path);
      try {
        bareReads.push(await perCallAsync(p.readReps, 2, () => bare.at25Read(0, size, chunk)));
      } finally {
        await bare.close();
      }
    }
  } finally {
    child.stdin.end();
    child.kill('SIGTERM');
  }
  const cat = (xs: readonly Float64Array[]): Float64Array => {
    const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of xs) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  };
  const bareRead32k = summarize(cat(bareReads));
  const read32k: SerprogRow[] = [...reads.entries()].map(([label, xs]) => {
    const us = summarize(cat(xs));
    return { path: label, us, vsBare: us.median / bareRead32k.median };
  });
  const opHs = summarize(cat(opH));
  const opBs = summarize(cat(opB));
  const lib = read32k.find((x) => x.path === placement('d-sync').label)!;
  return {
    board: `${board} (port: emulated programmer on ${path})`,
    emulator: 'bench/serprog/emulator-main.ts: test/emu/serprog-emulator.ts with an AT25256 model, on a pseudo-terminal',
    readChunk: chunk,
    openMs: summarize(opens),
    bareOpenMs: summarize(bareOpens),
    op: { hilbridge: opHs, bare: opBs, addedUs: opHs.median - opBs.median },
    read32k,
    bareRead32k,
    ratio: lib.us.median / bareRead32k.median,
  };
}
