/**
 * Scale: 1, 2, 4 and 8 user threads, each running the AT25 driver and reading 16 bytes back to
 * back for a fixed window, on devices of their own (one bus each) and on one shared bus. All
 * threads start on one flag and stop on another, so their counts cover the same interval; from
 * them come the aggregate rate, Jain's fairness index ((Σx)² / (n·Σx²): 1 when every thread got
 * the same share) and the latency percentiles over every operation of every thread.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HilError } from '../../src/abi/errno';
import { Kernel, type SpawnOptions } from '../../src/kernel/kernel';
import { loadBoard, scaleBoardFile, SCALE_MAX_THREADS } from '../boards';
import { programPath } from '../kernel-session';
import { asLoopReport, CTL_BYTES, CTL_PARTITION, CTL_READY, CTL_START, CTL_STOP, type LoopArgs } from '../protocol';
import { SAMPLES_BYTES, SAMPLES_PARTITION } from '../samples';
import { summarize, type Summary } from '../stats';

export type ScaleLayout = 'separate' | 'shared';

export interface ScalePoint {
  readonly layout: ScaleLayout;
  readonly op: 'read 16 B' | 'null syscall';
  readonly transport: 'sync' | 'port';
  readonly threads: number;
  readonly windowMs: number;
  readonly perThread: readonly number[];
  readonly aggregateOpsPerSec: number;
  /** Jain's fairness index of the per-thread counts. */
  readonly fairness: number;
  /** Latency of every operation of every thread, µs. */
  readonly us: Summary;
  /**
   * With several rounds: every round's aggregate rate, in the order run. The point itself is the
   * round whose aggregate is the median, so its counts, fairness and latencies belong together.
   */
  readonly roundAggregates?: readonly number[];
}

export interface ScaleParams {
  readonly threads: readonly number[];
  readonly windowMs: number;
  readonly warmup: number;
  readonly layouts: readonly ScaleLayout[];
  readonly ops?: readonly ('read' | 'null')[];
  readonly transports?: readonly ('sync' | 'port')[];
  /**
   * Every point runs once per round, all points in turn, so that a burst of load from elsewhere
   * lands on one round of every thread count rather than on all rounds of one (default 1).
   */
  readonly rounds?: number;
}

export function jain(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

export async function bootScaleKernel(): Promise<Kernel> {
  const k = await Kernel.boot({ tree: loadBoard(scaleBoardFile()), startThreads: false });
  k.createPartition(SAMPLES_PARTITION, SAMPLES_BYTES);
  k.createPartition(CTL_PARTITION, CTL_BYTES);
  return k;
}

let seq = 0;

/** One point: `n` threads at once, the same window for all. */
export async function scalePoint(k: Kernel, layout: ScaleLayout, n: number, op: 'read' | 'null', transport: 'sync' | 'port', windowMs: number, warmup: number, spawnExtra: Partial<SpawnOptions> = {}): Promise<ScalePoint> {
  if (n > SCALE_MAX_THREADS) throw new HilError('EINVAL', `at most ${SCALE_MAX_THREADS} threads`);
  const ctl = k.partitionBytes(CTL_PARTITION);
  const flags = new Int32Array(ctl.buffer, ctl.byteOffset, 4);
  flags.fill(0);
  const capacity = Math.floor(SAMPLES_BYTES / 8 / SCALE_MAX_THREADS);
  const names: string[] = [];
  const reports = new Map<string, unknown>();
  const onReport = (thread: string, data: unknown): void => {
    if (names.includes(thread)) reports.set(thread, data);
  };
  k.on('report', onReport);
  try {
    for (let i = 0; i < n; i++) {
      const device = layout === 'separate' ? `sep${i}` : `shared${i}`;
      const name = `scale-${seq++}-${i}`;
      names.push(name);
      const args: LoopArgs = { op, device, offset: 0x100, len: 16, warmup, at: i * capacity, capacity };
      await k.spawn(programPath('loop'), { name, grants: [device], partitions: [SAMPLES_PARTITION, CTL_PARTITION], transport, args, ...spawnExtra });
    }
    const deadline = performance.now() + 30_000;
    while (Atomics.load(flags, CTL_READY) < n) {
      const dead = names.map((x) => k.threadInfo(x)).find((t) => t.state !== 'running' && t.state !== 'starting');
      if (dead) throw new HilError('EIO', `scale thread ${dead.name} ended ${dead.state} before the start (${dead.lastFault?.reason ?? 'no fault recorded'})`);
      if (performance.now() > deadline) throw new HilError('ETIMEDOUT', 'scale threads did not get ready within 30 s');
      await sleep(5);
    }
    Atomics.store(flags, CTL_START, 1);
    const t0 = performance.now();
    await sleep(windowMs);
    Atomics.store(flags, CTL_STOP, 1);
    const elapsed = performance.now() - t0;
    for (const name of names) {
      const info = await k.waitForThread(name);
      if (info.state !== 'exited') throw new HilError('EIO', `scale thread ${name} ended ${info.state} (${info.lastFault?.reason ?? 'no fault recorded'})`);
    }
    const samples = k.partitionBytes(SAMPLES_PARTITION);
    const view = new Float64Array(samples.buffer, samples.byteOffset, Math.floor(samples.byteLength / 8));
    const counts: number[] = [];
    const parts: Float64Array[] = [];
    for (const name of names) {
      const r = asLoopReport(reports.get(name));
      counts.push(r.count);
      parts.push(view.slice(r.at, r.at + r.recorded));
    }
    const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const total = counts.reduce((a, b) => a + b, 0);
    return {
      layout,
      op: op === 'read' ? 'read 16 B' : 'null syscall',
      transport,
      threads: n,
      windowMs: elapsed,
      perThread: counts,
      aggregateOpsPerSec: total / (elapsed / 1000),
      fairness: jain(counts),
      us: summarize(all.length ? all : Float64Array.of(0)),
    };
  } finally {
    k.off('report', onReport);
  }
}

/** Of one point's rounds, the one with the median aggregate, carrying every round's aggregate. */
export function medianRound(rounds: readonly ScalePoint[]): ScalePoint {
  if (rounds.length === 1) return rounds[0]!;
  const sorted = [...rounds].sort((a, b) => a.aggregateOpsPerSec - b.aggregateOpsPerSec);
  return { ...sorted[(sorted.length - 1) >> 1]!, roundAggregates: rounds.map((r) => r.aggregateOpsPerSec) };
}

export async function scaleSuite(p: ScaleParams): Promise<ScalePoint[]> {
  const k = await bootScaleKernel();
  const keys: { op: 'read' | 'null'; transport: 'sync' | 'port'; layout: ScaleLayout; n: number }[] = [];
  for (const op of p.ops ?? ['read']) {
    for (const transport of p.transports ?? ['sync']) {
      for (const layout of p.layouts) for (const n of p.threads) keys.push({ op, transport, layout, n });
    }
  }
  const runs: ScalePoint[][] = keys.map(() => []);
  try {
    for (let r = 0; r < (p.rounds ?? 1); r++) {
      for (let i = 0; i < keys.length; i++) {
        const { op, transport, layout, n } = keys[i]!;
        runs[i]!.push(await scalePoint(k, layout, n, op, transport, p.windowMs, p.warmup));
      }
    }
  } finally {
    await k.shutdown();
  }
  return runs.map(medianRound);
}
