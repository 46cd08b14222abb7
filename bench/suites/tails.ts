/**
 * Where the tail of a user-thread read comes from: one unconfined user thread reads 16 bytes back
 * to back through the AT25 driver (bench/programs/tails.ts) while the kernel records its own
 * garbage collections; every read slower than ten times the median is put down to a collection in
 * the worker, a collection in the kernel, or neither (the thread or the kernel's event loop was
 * not running: a scheduler wake-up, another process on the core).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Hilbridge } from '../../src/host/hilbridge';
import type { Kernel } from '../../src/kernel/kernel';
import { registerKernel, unregisterKernel } from '../abort';
import { perCallAsync } from '../timing';
import { runProgram } from '../kernel-session';
import { asTailsReport } from '../protocol';
import { summarize, type Summary } from '../stats';

export interface TailsResult {
  readonly path: string;
  readonly reads: number;
  readonly us: Summary & { readonly p999: number };
  /** Reads over 10x the median, and what each overlapped (the worker's GCs are not seen on the library path). */
  readonly slow: number;
  readonly slowDuringWorkerGc: number;
  readonly slowDuringKernelGc: number;
  readonly slowOther: number;
  readonly workerGcs: number;
  readonly kernelGcs: number;
  /** Longest collection seen, ms. */
  readonly workerGcMaxMs: number;
  readonly kernelGcMaxMs: number;
}

function overlaps(start: number, endMs: number, gcs: Float64Array): boolean {
  for (let i = 0; i + 1 < gcs.length; i += 2) {
    const s = gcs[i]!;
    if (s <= endMs && s + gcs[i + 1]! >= start) return true;
  }
  return false;
}

function p999(us: Float64Array): number {
  const sorted = Float64Array.from(us).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.999 * sorted.length) - 1)]!;
}

/**
 * The library path in steady state: the kernel's process reads 16 bytes back to back through the
 * driver thread (confined, sync), `reps` times after 500 untimed reads; slow reads are put down
 * to the kernel's collections or to neither.
 */
export async function libraryTails(board: { file: string; includeDirs: readonly string[]; serialPort?: string | undefined }, device: string, reps: number): Promise<TailsResult> {
  const hb = await Hilbridge.boot({ board: board.file, includeDirs: board.includeDirs, serialPort: board.serialPort, transport: 'sync' });
  registerKernel(hb.kernel);
  const kgc: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kgc.push(performance.timeOrigin + e.startTime, e.duration);
  });
  try {
    const e = await hb.openEeprom(device);
    const buf = new Uint8Array(16);
    const starts = new Float64Array(reps);
    let i = -1;
    obs.observe({ entryTypes: ['gc'] });
    const us = await perCallAsync(reps, 500, () => {
      if (i >= 0) starts[i] = performance.timeOrigin + performance.now();
      i++;
      return e.readInto(0x100, buf);
    });
    await new Promise((res) => setTimeout(res, 20));
    const kernelGc = Float64Array.from(kgc);
    const s = summarize(us);
    let slow = 0;
    let kk = 0;
    for (let j = 0; j < us.length; j++) {
      if (us[j]! <= 10 * s.median) continue;
      slow++;
      if (overlaps(starts[j]!, starts[j]! + us[j]! / 1000, kernelGc)) kk++;
    }
    let kmax = 0;
    for (let j = 1; j < kernelGc.length; j += 2) kmax = Math.max(kmax, kernelGc[j]!);
    return { path: 'library -> driver thread (sync): read 16 B', reads: us.length, us: { ...s, p999: p999(us) }, slow, slowDuringWorkerGc: 0, slowDuringKernelGc: kk, slowOther: slow - kk, workerGcs: 0, kernelGcs: kernelGc.length / 2, workerGcMaxMs: 0, kernelGcMaxMs: kmax };
  } finally {
    obs.disconnect();
    unregisterKernel(hb.kernel);
    await hb.shutdown();
  }
}

export async function tailsSuite(k: Kernel, device: string, reps: number, transport: 'sync' | 'port' = 'sync'): Promise<TailsResult> {
  const kgc: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kgc.push(performance.timeOrigin + e.startTime, e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  let r;
  try {
    const { report, samples } = await runProgram(k, 'tails', { name: `bench-tails-${Date.now()}`, grants: [device], transport, confined: false, args: { device, reps, warmup: 500 } });
    r = asTailsReport(report, samples);
  } finally {
    await new Promise((res) => setTimeout(res, 20));
    obs.disconnect();
  }
  const kernelGc = Float64Array.from(kgc);
  const s = summarize(r.us);
  const sorted = Float64Array.from(r.us).sort();
  const p999 = sorted[Math.min(sorted.length - 1, Math.ceil(0.999 * sorted.length) - 1)]!;
  let slow = 0;
  let w = 0;
  let kk = 0;
  for (let i = 0; i < r.us.length; i++) {
    const us = r.us[i]!;
    if (us <= 10 * s.median) continue;
    slow++;
    const start = r.starts[i]!;
    const end = start + us / 1000;
    if (overlaps(start, end, r.gc)) w++;
    else if (overlaps(start, end, kernelGc)) kk++;
  }
  const maxGc = (g: Float64Array): number => {
    let m = 0;
    for (let i = 1; i < g.length; i += 2) m = Math.max(m, g[i]!);
    return m;
  };
  return {
    path: `user thread (unconfined), ${transport}: read 16 B`,
    reads: r.us.length,
    us: { ...s, p999 },
    slow,
    slowDuringWorkerGc: w,
    slowDuringKernelGc: kk,
    slowOther: slow - w - kk,
    workerGcs: r.gc.length / 2,
    kernelGcs: kernelGc.length / 2,
    workerGcMaxMs: maxGc(r.gc),
    kernelGcMaxMs: maxGc(kernelGc),
  };
}
