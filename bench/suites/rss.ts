/**
 * Resident memory of a kernel with 0, 1, 4 and 8 idle user threads: a fresh Node process
 * (bench/rss-child.js, so that nothing the other suites allocated is counted) boots the scale
 * board, then starts EEPROM driver threads one batch at a time, each blocked in `ipc_receive`
 * like a driver waiting for requests; after each batch it collects garbage and reads the
 * process's RSS. The cost of an idle thread is the slope of the line through the points.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HilError } from '../../src/abi/errno';
import { fitLine } from './wholepart';

export interface RssResult {
  readonly threads: readonly number[];
  readonly rssMiB: readonly number[];
  /** Slope of RSS against threads. */
  readonly perThreadMiB: number;
  /** JS heap of the kernel's own isolate at each point, MiB (the workers' heaps are in RSS only). */
  readonly kernelHeapMiB: readonly number[];
  readonly confined: boolean;
}

export interface RssPoint {
  readonly threads: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
}

function isPoint(x: unknown): x is RssPoint {
  const o = x as Record<string, unknown>;
  return typeof o === 'object' && o !== null && typeof o.threads === 'number' && typeof o.rssMiB === 'number' && typeof o.heapMiB === 'number';
}

export function rssSuite(counts: readonly number[] = [0, 1, 4, 8], confined = true): RssResult {
  const child = join(__dirname, '..', 'rss-child.js');
  const r = spawnSync(process.execPath, ['--expose-gc', child, counts.join(','), confined ? 'confined' : 'unconfined'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new HilError('EIO', `RSS measurement failed (exit ${r.status}): ${r.stderr.trim().slice(-500)}`);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as unknown;
  if (!Array.isArray(parsed) || !parsed.every(isPoint)) throw new HilError('EPROTO', 'RSS measurement printed something unexpected');
  const pts = parsed;
  const fit = fitLine(pts.map((p) => ({ x: p.threads, y: p.rssMiB })));
  return { threads: pts.map((p) => p.threads), rssMiB: pts.map((p) => p.rssMiB), perThreadMiB: fit.slopeUsPerByte, kernelHeapMiB: pts.map((p) => p.heapMiB), confined };
}
