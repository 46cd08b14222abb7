/**
 * Soak, short mode (by hand: `npm run reliability -- soak --duration 3600`): client threads on
 * both transports and the library keep writing, reading back, erasing and asking status through
 * three driver threads while a churn thread crashes and is restarted; no operation fails and no
 * driver faults. Memory figures are reported, and judged only on runs of a minute or more.
 */
import { runSoak } from '../harness/soak/run-soak';
import { SIZES } from '../harness/lib/sizes';
import { ensureHarnessBuilt, runSeed } from './build';

beforeAll(() => ensureHarnessBuilt(), 120_000);

test('mixed operations from several threads: no errors, no driver faults, churn restarted', async () => {
  const seed = runSeed('soak');
  const r = await runSoak({ seed, durationS: SIZES.short.durationS });
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  expect(r.errors).toBe(0);
  expect(r.operations.writes).toBeGreaterThan(0);
  expect(r.operations.reads).toBeGreaterThan(0);
  expect(r.operations.library).toBeGreaterThan(0);
  expect(r.rssMiB.end).toBeGreaterThan(0);
}, 120_000);
