/**
 * Timing loops shared by the benchmark programs (worker threads) and the kernel-side suites, so
 * that every path is timed the same way. All results are in microseconds.
 *
 * - per call: `performance.now()` around each call (includes the timer's own ≈0.05 µs).
 * - batched: one timestamp pair around a block of calls, divided by the block size; the median
 *   over blocks is the steady-state cost, free of the timer's overhead.
 */

export function perCall(n: number, warmup: number, fn: () => unknown): Float64Array {
  for (let i = 0; i < warmup; i++) fn();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

export async function perCallAsync(n: number, warmup: number, fn: () => Promise<unknown>): Promise<Float64Array> {
  for (let i = 0; i < warmup; i++) await fn();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

export function batched(blocks: number, size: number, warmup: number, fn: () => unknown): Float64Array {
  for (let i = 0; i < warmup; i++) fn();
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let i = 0; i < size; i++) fn();
    out[b] = ((performance.now() - t0) * 1000) / size;
  }
  return out;
}

export async function batchedAsync(blocks: number, size: number, warmup: number, fn: () => Promise<unknown>): Promise<Float64Array> {
  for (let i = 0; i < warmup; i++) await fn();
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let i = 0; i < size; i++) await fn();
    out[b] = ((performance.now() - t0) * 1000) / size;
  }
  return out;
}
