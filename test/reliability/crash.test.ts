/**
 * Crash mid-write, short mode (the full run: `npm run reliability -- crash --full`, 1,000
 * crashes): driver threads die at random points of multi-page writes; the bus is freed, chip
 * select and the write-enable latch are released, pages are old or new in order and never torn,
 * and the restarted driver serves the next operation. See test/harness/crash/run-crash.ts.
 */
import { runCrash } from '../harness/crash/run-crash';
import { SIZES } from '../harness/lib/sizes';
import { ensureHarnessBuilt, runSeed } from './build';

beforeAll(() => ensureHarnessBuilt(), 120_000);

test('drivers crashed mid-write leave whole pages, a free bus and a clear latch, and come back', async () => {
  const seed = runSeed('crash');
  // The full run holds the bus to 100 ms after a crash; here only that it comes free (no timing in npm test).
  const r = await runCrash({ seed, crashes: SIZES.short.crashes, busFreeMs: 10_000 });
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  expect(r.injected.throwBefore + r.injected.throwAfter + r.injected.kill).toBeGreaterThan(0);
  expect(r.midWrite).toBeGreaterThan(0);
  expect({ torn: r.tornPages, lost: r.bytesLost, latch: r.latchLeftSet }).toEqual({ torn: 0, lost: 0, latch: 0 });
}, 180_000);
