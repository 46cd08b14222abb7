/**
 * Summary statistics of timing samples (microseconds): median and tail percentiles by nearest
 * rank, so every reported figure is a value that was actually measured.
 */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending array (q in (0, 1]). */
function rank(sorted: Float64Array, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: ArrayLike<number>): Summary {
  if (samples.length === 0) throw new RangeError('no samples to summarise');
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    n: sorted.length,
    median: rank(sorted, 0.5),
    p90: rank(sorted, 0.9),
    p99: rank(sorted, 0.99),
    mean: sum / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

/** Percentiles 0, 1, …, 100 (nearest rank), for distribution charts. */
export function percentiles(samples: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(samples).sort();
  const out: number[] = [];
  for (let q = 0; q <= 100; q++) out.push(q === 0 ? sorted[0]! : rank(sorted, q / 100));
  return out;
}
