/**
 * Whole-part rows and cost growth, in every placement (bench/placements.ts).
 *
 * Whole part: a read of the whole of each EEPROM and a write of it (of the scratch range on a
 * real chip, and only with --scratch), each timed as one operation; throughput, its fraction of
 * the bus limit, and its ratio to the in-kernel placement (a) and to the subsystem-call placement
 * (b) of the same transport. On the bench board this runs twice: with the buses taking no time
 * (software only) and with the mock buses' timing model at the board's clocks and the parts'
 * 5 ms write cycle (what a Raspberry Pi's buses would cost).
 *
 * Growth: reads of 16 bytes up to the whole part, and a least-squares line through the medians
 * per placement: the intercept is the fixed cost of an operation, the slope its cost per byte.
 *
 * Every placement runs once per round, in turn; the rows are built from all rounds.
 */
import { summarize, type Summary } from '../stats';
import { LibrarySession, type Placement, type PlacementKey, PLACEMENTS, PlacementSession, placement } from '../placements';
import type { CallJob } from '../protocol';
import { type BenchDevice, type BenchTarget, type BusTiming, ranOn, type RanOn } from '../target';
import { wireCost, type WireCost } from '../wire';

export interface WholePartRow {
  readonly device: string;
  readonly part: string;
  readonly op: 'read' | 'write';
  readonly offset: number;
  readonly bytes: number;
  readonly placement: PlacementKey;
  readonly label: string;
  readonly busTiming: BusTiming;
  /** One sample per whole operation, µs. */
  readonly us: Summary;
  readonly kibPerSec: number;
  readonly wire: WireCost;
  /** Bus limit over the median: the share of the bus's best this placement reaches. */
  readonly busLimitFraction: number;
  /**
   * (median − bus limit) / bus transactions, µs: what the software adds to each transaction
   * (with the timing model, the model's own per-transaction overhead is in it too).
   */
  readonly offBusPerTransactionUs: number;
  /** Throughput relative to (a) (median of (a) over this median). */
  vsInKernel?: number;
  /** Throughput relative to (b) over the same transport. */
  vsSubsystem?: number;
  readonly syscallsPerOp?: number | undefined;
  readonly ranOn: RanOn;
}

export interface GrowthSeries {
  readonly device: string;
  readonly placement: PlacementKey;
  readonly label: string;
  readonly busTiming: BusTiming;
  readonly points: readonly { readonly bytes: number; readonly us: Summary }[];
  /** Least squares through the medians: time = intercept + slope × bytes. */
  readonly fit: { readonly interceptUs: number; readonly slopeUsPerByte: number; readonly r2: number };
  readonly ranOn: RanOn;
}

/**
 * What each placement's program runs: timed operations, and untimed ones before them (warm-up:
 * enough to carry a fresh worker past its cold start, the JIT and both sides' polling windows).
 * A bus that takes real time (the timing model, a real chip) gets fewer of both.
 */
export interface WholePartCounts {
  readonly readReps: number;
  readonly readWarmup: number;
  readonly writeReps: number;
  readonly writeWarmup: number;
  /** Longest write (every page costs a write cycle on a timed bus). */
  readonly maxWriteBytes: number;
}

export interface WholePartParams {
  readonly rounds: number;
  readonly counts: WholePartCounts;
  readonly placements: readonly PlacementKey[];
}

/** Where a device may be written: the whole part on a simulated board, else the scratch range (or nowhere). */
export type WriteRanges = ReadonlyMap<string, { readonly offset: number; readonly length: number }>;

export function fitLine(points: readonly { x: number; y: number }[]): { interceptUs: number; slopeUsPerByte: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { interceptUs: my - slope * mx, slopeUsPerByte: slope, r2 };
}

type Acc = Map<string, { samples: Float64Array[]; syscalls: number[] }>;

function add(acc: Acc, key: string, samples: Float64Array, syscallsPerOp: number | undefined): void {
  let e = acc.get(key);
  if (!e) acc.set(key, (e = { samples: [], syscalls: [] }));
  e.samples.push(samples);
  if (syscallsPerOp !== undefined) e.syscalls.push(syscallsPerOp);
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const jobKey = (p: PlacementKey, dev: string, j: CallJob): string => `${p}|${dev}|${j.op}|${j.offset}|${j.len}`;

/**
 * Runs `jobs` (per device) in every placement, `rounds` times in turn, on one board; returns the
 * samples by job key. The library placement gets its own boot after the others (see placements.ts).
 */
async function runMatrix(boardFile: string, includeDirs: readonly string[], devices: readonly BenchDevice[], jobsOf: (d: BenchDevice) => CallJob[], keys: readonly PlacementKey[], rounds: number, costs?: Map<string, WireCost>): Promise<Acc> {
  const acc: Acc = new Map();
  const direct = keys.filter((k) => k !== 'd-sync').map(placement);
  if (direct.length > 0) {
    const s = await PlacementSession.open(boardFile, includeDirs, devices.map((d) => d.name));
    try {
      if (costs) {
        for (const d of devices) for (const j of jobsOf(d)) costs.set(`${d.name}|${j.op}|${j.offset}|${j.len}`, await wireCost(s.hb.kernel, d, j));
      }
      for (let r = 0; r < rounds; r++) {
        for (const p of direct) {
          for (const d of devices) {
            const jobs = jobsOf(d);
            if (jobs.length === 0) continue;
            const res = await s.run(p, d.name, jobs);
            res.forEach((x, i) => add(acc, jobKey(p.key, d.name, jobs[i]!), x.samples, x.syscallsPerOp));
          }
        }
      }
    } finally {
      await s.close();
    }
  }
  if (keys.includes('d-sync')) {
    const s = await LibrarySession.open(boardFile, includeDirs, 'sync');
    try {
      for (let r = 0; r < rounds; r++) {
        for (const d of devices) {
          const jobs = jobsOf(d);
          if (jobs.length === 0) continue;
          const res = await s.run(d.name, jobs);
          res.forEach((x, i) => add(acc, jobKey('d-sync', d.name, jobs[i]!), x.samples, undefined));
        }
      }
    } finally {
      await s.close();
    }
  }
  return acc;
}

/**
 * Whole-part rows for one boot variant of the target: `busTiming` says what the board's buses
 * cost (software only, the timing model, or real hardware).
 */
export async function wholePartSuite(
  target: BenchTarget,
  boardFile: string,
  busTiming: BusTiming,
  p: WholePartParams,
  writable: WriteRanges,
): Promise<WholePartRow[]> {
  const c = p.counts;
  const jobsOf = (d: BenchDevice): CallJob[] => {
    const jobs: CallJob[] = [{ op: 'read', offset: 0, len: d.size, reps: c.readReps, warmup: c.readWarmup }];
    const w = writable.get(d.name);
    if (w && !d.readOnly && c.writeReps > 0) {
      jobs.push({ op: 'write', offset: w.offset, len: Math.min(w.length, c.maxWriteBytes), reps: c.writeReps, warmup: c.writeWarmup });
    }
    return jobs;
  };
  const costs = new Map<string, WireCost>();
  const acc = await runMatrix(boardFile, target.includeDirs, target.devices, jobsOf, p.placements, p.rounds, costs);
  const rows: WholePartRow[] = [];
  for (const d of target.devices) {
    for (const j of jobsOf(d)) {
      const wire = costs.get(`${d.name}|${j.op}|${j.offset}|${j.len}`)!;
      for (const key of p.placements) {
        const e = acc.get(jobKey(key, d.name, j));
        if (!e) continue;
        const us = summarize(concat(e.samples));
        const pl: Placement = placement(key);
        rows.push({
          device: d.name,
          part: d.part,
          op: j.op,
          offset: j.offset,
          bytes: j.len,
          placement: key,
          label: pl.label,
          busTiming,
          us,
          kibPerSec: j.len / 1024 / (us.median / 1e6),
          wire,
          busLimitFraction: wire.limitUs / us.median,
          offBusPerTransactionUs: (us.median - wire.limitUs) / Math.max(1, wire.transactions),
          syscallsPerOp: e.syscalls.length ? e.syscalls.reduce((a, b) => a + b, 0) / e.syscalls.length : undefined,
          ranOn: ranOn(target, busTiming, d),
        });
      }
    }
  }
  for (const r of rows) {
    const same = (k: PlacementKey): WholePartRow | undefined => rows.find((x) => x.device === r.device && x.op === r.op && x.bytes === r.bytes && x.placement === k);
    const a = same('a');
    if (a) r.vsInKernel = a.us.median / r.us.median;
    const b = same(r.placement.endsWith('port') ? 'b-port' : 'b-sync');
    if (b) r.vsSubsystem = b.us.median / r.us.median;
  }
  return rows;
}

export const GROWTH_SIZES = [16, 64, 256, 1024, 4096, 16384] as const;

export interface GrowthParams {
  readonly rounds: number;
  /** Repetitions of a 16-byte read; larger reads get fewer (at least minReps). */
  readonly reps: number;
  readonly minReps: number;
  /** Untimed reads before each size's timed ones; like the reps, fewer for larger reads. */
  readonly warmup: number;
  readonly placements: readonly PlacementKey[];
}

/** Reads of growing size on the target's first device, in every placement; a line fitted per placement. */
export async function growthSuite(target: BenchTarget, boardFile: string, busTiming: BusTiming, d: BenchDevice, p: GrowthParams): Promise<GrowthSeries[]> {
  const sizes = [...GROWTH_SIZES.filter((n) => n < d.size), d.size];
  // Fewer for larger reads, down to a floor: minReps, or the whole warm-up when that is smaller.
  const scaled = (n: number, len: number): number => Math.max(Math.min(n, p.minReps), Math.round(n * Math.min(1, 256 / len)));
  const jobs: CallJob[] = sizes.map((len) => ({ op: 'read', offset: 0, len, reps: scaled(p.reps, len), warmup: scaled(p.warmup, len) }));
  const acc = await runMatrix(boardFile, target.includeDirs, [d], (x) => (x.name === d.name ? jobs : []), p.placements, p.rounds);
  const out: GrowthSeries[] = [];
  for (const key of p.placements) {
    const points = jobs.flatMap((j) => {
      const e = acc.get(jobKey(key, d.name, j));
      return e ? [{ bytes: j.len, us: summarize(concat(e.samples)) }] : [];
    });
    if (points.length < 2) continue;
    out.push({
      device: d.name,
      placement: key,
      label: placement(key).label,
      busTiming,
      points,
      fit: fitLine(points.map((q) => ({ x: q.bytes, y: q.us.median }))),
      ranOn: ranOn(target, busTiming, d),
    });
  }
  return out;
}

export { PLACEMENTS };
