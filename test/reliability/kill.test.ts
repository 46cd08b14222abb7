/**
 * Process killed mid-write, short mode (the full run: `npm run reliability -- kill --full`): the
 * built CLI is SIGKILLed during write, erase, protect and image creation on `--image` files; the
 * image is whole-sized, holds whole pages only, its registers sidecar is whole, and the next run
 * reads it. See test/harness/kill/run-kill.ts.
 */
import { runKill } from '../harness/kill/run-kill';
import { SIZES } from '../harness/lib/sizes';
import { ensureHarnessBuilt, runSeed } from './build';

beforeAll(() => ensureHarnessBuilt(), 120_000);

test('SIGKILL mid-write leaves whole pages and an image the next run reads', async () => {
  const seed = runSeed('kill');
  const r = await runKill({ seed, kills: SIZES.short.kills });
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  expect(r.killed.creating + r.killed.write + r.killed.erase + r.killed.protect).toBe(SIZES.short.kills);
  expect(r.rereads).toBe(SIZES.short.kills);
  expect({ torn: r.tornPages, short: r.shortImages, sidecars: r.badSidecars, lost: r.bytesLost }).toEqual({ torn: 0, short: 0, sidecars: 0, lost: 0 });
}, 180_000);
