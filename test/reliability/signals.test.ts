/**
 * Signals at random moments, short mode (the full run: `npm run reliability -- signals --full`):
 * SIGTERM, SIGHUP or SIGINT land anywhere from process start to the end of a write or erase; the
 * CLI finishes, or stops with 128+N and a report that matches the image exactly, latch clear.
 * The deterministic cases are test/cli/signals.test.ts. See test/harness/signals/run-signals.ts.
 */
import { runSignals } from '../harness/signals/run-signals';
import { SIZES } from '../harness/lib/sizes';
import { ensureHarnessBuilt, runSeed } from './build';

beforeAll(() => ensureHarnessBuilt(), 120_000);

test('a signal at a random moment: a clean stop with an exact report, or the work done', async () => {
  const seed = runSeed('signals');
  const r = await runSignals({ seed, signals: SIZES.short.signals });
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  expect(r.bytesLost).toBe(0);
}, 120_000);
