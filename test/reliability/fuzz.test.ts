/**
 * The syscall fuzzer's short mode (the full run: `npm run reliability -- fuzz --full`, 100,000
 * frames per transport): hostile threads on both transports send random and mutated frames beside
 * well-behaved drivers; every outcome matches the oracle, every fault is the expected one, the
 * kernel never throws, the good drivers keep passing their checks and the buses hold nothing the
 * hostile threads were not allowed to send. See test/harness/fuzz/run-fuzz.ts.
 */
import { runFuzz } from '../harness/fuzz/run-fuzz';
import { SIZES } from '../harness/lib/sizes';
import { ensureHarnessBuilt, runSeed } from './build';

beforeAll(() => ensureHarnessBuilt(), 120_000);

test('hostile frames on both transports: documented outcomes only, and the kernel keeps serving', async () => {
  const seed = runSeed('fuzz');
  const r = await runFuzz({ seed, frames: SIZES.short.frames });
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  for (const tr of ['sync', 'port'] as const) {
    const s = r.transports[tr];
    expect(s.frames).toBe(SIZES.short.frames);
    // The mix reached every class of outcome, faults included, and the thread came back after each.
    expect(s.outcomes.ok).toBeGreaterThan(0);
    expect(s.outcomes.eperm).toBeGreaterThan(0);
    expect(s.outcomes.refused).toBeGreaterThan(0);
    expect(s.incarnations).toBe(s.expectedFaults + s.unpredictableFaults + 1);
  }
  // About 2 % of frames fault: over both transports some always do.
  expect(r.transports.sync.expectedFaults + r.transports.port.expectedFaults).toBeGreaterThan(0);
  expect(r.checker.ops).toBeGreaterThan(0);
  expect(r.checker.failures).toBe(0);
}, 120_000);
