/**
 * The run's `summary` (the figures the issue names, with the exact keys it lists) and its targets,
 * each with the value this run measured, the goal, whether it was met and, if not, by how much.
 * Nothing here fails the run: targets describe the machine and the design; the consistency checks
 * are what can fail it.
 */
import type { Row, Summary_, Target } from './result';
import type { TailsResult } from './suites/tails';
import type { ColdStart } from './suites/cli';
import type { RssResult } from './suites/rss';
import type { ScalePoint } from './suites/scale';
import type { SerprogResult } from './suites/serprog';
import type { GrowthSeries, WholePartRow } from './suites/wholepart';

export interface SummaryInputs {
  readonly rows: readonly Row[];
  readonly wholePart: readonly WholePartRow[];
  readonly growth: readonly GrowthSeries[];
  readonly scale: readonly ScalePoint[];
  readonly rss: RssResult | undefined;
  readonly cli: ColdStart | undefined;
  readonly serprog: SerprogResult | undefined;
  /** The tails suite's steady-state runs: the tail targets are judged on these when there are any. */
  readonly tails?: readonly TailsResult[];
  /** The device the whole-part figures of the summary come from (the first AT25, else the first). */
  readonly device: string | undefined;
}

const SYNC_NULL = 'null syscall, sync transport, await call';
const PORT_NULL = 'null syscall, port transport, await call';
const DIRECT = 'direct function call';
export const TAIL_ROWS = ['user thread, sync: read 16 B', 'library -> driver thread (sync): read 16 B'] as const;

function row(rows: readonly Row[], name: string, timing: Row['timing'] = 'per call'): Row | undefined {
  return rows.find((r) => r.name === name && r.timing === timing);
}

const n = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

function wp(rows: readonly WholePartRow[], device: string | undefined, timed: boolean, key: WholePartRow['placement']): WholePartRow | undefined {
  return rows.find((r) => r.device === device && r.op === 'read' && (r.busTiming === 'software only') !== timed && r.placement === key);
}

function scaleOf(points: readonly ScalePoint[], layout: ScalePoint['layout']): Summary_['scale'] {
  const pts = points.filter((p) => p.layout === layout && p.op === 'read 16 B' && p.transport === 'sync').sort((a, b) => a.threads - b.threads);
  return { threads: pts.map((p) => p.threads), aggregateOpsPerSec: pts.map((p) => p.aggregateOpsPerSec), fairness: pts.map((p) => p.fairness) };
}

export function summarizeRun(x: SummaryInputs): Summary_ {
  const ratio = (timed: boolean, key: WholePartRow['placement']): number | null => n(wp(x.wholePart, x.device, timed, key)?.vsInKernel);
  return {
    nullSyscallUs: { direct: n(row(x.rows, DIRECT)?.us.median), sharedMemory: n(row(x.rows, SYNC_NULL)?.us.median), messagePort: n(row(x.rows, PORT_NULL)?.us.median) },
    nullSyscallP99Us: { direct: n(row(x.rows, DIRECT)?.us.p99), sharedMemory: n(row(x.rows, SYNC_NULL)?.us.p99), messagePort: n(row(x.rows, PORT_NULL)?.us.p99) },
    readRatioUntimed: { subsystemSyscall: ratio(false, 'b-sync'), sharedMemory: ratio(false, 'c-sync'), messagePort: ratio(false, 'c-port') },
    readRatioTimed: { subsystemSyscall: ratio(true, 'b-sync'), sharedMemory: ratio(true, 'c-sync'), messagePort: ratio(true, 'c-port') },
    busLimitFractionTimed: { inKernel: n(wp(x.wholePart, x.device, true, 'a')?.busLimitFraction), sharedMemory: n(wp(x.wholePart, x.device, true, 'c-sync')?.busLimitFraction) },
    rssPerIdleThreadMiB: n(x.rss?.perThreadMiB),
    scale: scaleOf(x.scale, 'separate'),
    scaleSharedBus: scaleOf(x.scale, 'shared'),
    cliColdStartMs: n(x.cli?.cliMs.median),
    nodeBareStartMs: n(x.cli?.nodeBareMs.median),
    serprogReadRatio: n(x.serprog?.ratio),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const fx = (x: number, d = 2): string => x.toFixed(d);

function target(name: string, value: number | null | undefined, goal: string, ok: (v: number) => boolean, gap: (v: number) => string): Target {
  if (value === null || value === undefined || !Number.isFinite(value)) return { name, value: undefined, goal, met: undefined };
  const met = ok(value);
  return { name, value, goal, met, gap: met ? undefined : gap(value) };
}

/** Every target of the issue against this run. */
export function targetsOf(x: SummaryInputs, s: Summary_): Target[] {
  const t: Target[] = [];
  const sm = s.nullSyscallUs.sharedMemory;
  const mp = s.nullSyscallUs.messagePort;
  t.push(target('shared-memory null syscall, median (µs)', sm, '<= 5', (v) => v <= 5, (v) => `${fx(v - 5, 1)} µs over`));
  t.push(target('shared-memory null syscall vs MessagePort (times faster)', sm && mp ? mp / sm : undefined, '>= 10', (v) => v >= 10, (v) => `${fx(v, 1)}x, short of 10x`));
  for (const [timed, goal, lim] of [[true, '>= 0.95', 0.95], [false, '>= 0.70', 0.7]] as const) {
    for (const key of ['c-sync', 'c-port'] as const) {
      for (const r of x.wholePart.filter((w) => w.op === 'read' && (w.busTiming === 'software only') !== timed && w.placement === key)) {
        t.push(
          target(`whole-part read, ${r.device}, ${r.label} vs (a) in kernel, ${timed ? r.busTiming : 'no timing model'} (fraction of throughput)`, r.vsInKernel, goal, (v) => v >= lim, (v) => `${pct(v)} of in-kernel, ${pct(lim - v)} short`),
        );
      }
    }
  }
  for (const r of x.wholePart.filter((w) => w.op === 'read' && w.busTiming !== 'software only' && w.placement === 'c-sync')) {
    t.push(target(`whole-part read, ${r.device}, ${r.label}, ${r.busTiming} (fraction of the bus limit)`, r.busLimitFraction, '>= 0.90', (v) => v >= 0.9, (v) => `${pct(v)} of the bus limit, ${pct(0.9 - v)} short`));
  }
  t.push(target('RSS per idle user thread (MiB)', s.rssPerIdleThreadMiB, '<= 15', (v) => v <= 15, (v) => `${fx(v - 15, 1)} MiB over`));
  for (const layout of ['separate', 'shared'] as const) {
    const sc = layout === 'separate' ? s.scale : s.scaleSharedBus;
    const one = sc.aggregateOpsPerSec[sc.threads.indexOf(1)];
    sc.threads.forEach((th, i) => {
      if (th === 1 || one === undefined) return;
      const agg = sc.aggregateOpsPerSec[i]!;
      t.push(target(`scale, ${layout === 'separate' ? 'separate devices' : 'one shared bus'}, ${th} threads: aggregate / single-thread rate`, agg / one, '>= 1', (v) => v >= 1, (v) => `${pct(1 - v)} below the single-thread rate`));
    });
    sc.threads.forEach((th, i) => {
      if (th === 1) return;
      t.push(target(`scale, ${layout === 'separate' ? 'separate devices' : 'one shared bus'}, ${th} threads: Jain's fairness`, sc.fairness[i], '>= 0.95', (v) => v >= 0.95, (v) => `${fx(v, 3)}, ${fx(0.95 - v, 3)} short`));
    });
  }
  // The tail targets are about steady state, which the tails suite measures (back to back, one
  // path at a time); the rows of sections 2 and 3 alternate paths every round and stand in only
  // when the tails suite did not run.
  const tailRatios: [string, number | undefined][] = x.tails?.length
    ? x.tails.map((r) => [r.path, r.us.p99 / r.us.median])
    : TAIL_ROWS.map((name) => {
        const r = row(x.rows, name);
        return [name, r ? r.us.p99 / r.us.median : undefined];
      });
  for (const [name, ratio] of tailRatios) {
    t.push(target(`tail: ${name}, p99 / median`, ratio, '<= 10', (v) => v <= 10, (v) => `p99 is ${fx(v, 1)}x the median`));
  }
  t.push(target('CLI cold start / node -e 0 (times)', x.cli?.ratio, '<= 3', (v) => v <= 3, (v) => `${fx(v, 2)}x, ${fx(v - 3, 2)}x over`));
  t.push(target('serprog 32 KiB read, hilbridge / bare client (times)', s.serprogReadRatio, '<= 1.5', (v) => v <= 1.5, (v) => `${fx(v, 2)}x`));
  t.push(target('serprog open (ms)', x.serprog?.openMs.median, '<= 100', (v) => v <= 100, (v) => `${fx(v - 100, 0)} ms over`));
  return t;
}
