/**
 * Kernel.removeThread: a thread that has ended for good is forgotten with its private partition
 * (handles stop resolving, the name can be spawned again), so a long-running kernel that spawns
 * threads on demand does not keep every one's memory; a thread that may still run is refused,
 * and a thread stopped while it waited for a restart stays down.
 */
import { HilError } from '../../src/abi/errno';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE } from '../helpers/kernel-board';

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel({ startThreads: false });
});
afterEach(async () => {
  await k.shutdown();
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof HilError ? e.code : String(e);
  }
}

it('an ended thread is forgotten with its private partition, and its name can be used again', async () => {
  for (let round = 0; round < 3; round++) {
    await k.spawn(HOSTILE, { name: 'once', args: { mode: 'obj-list' } });
    expect((await k.waitForThread('once')).state).toBe('exited');
    const partition = k.partitionHandle('once.private');
    const thread = k.threadInfo('once').handle;
    k.removeThread('once');
    expect(k.ps().map((t) => t.name)).not.toContain('once');
    expect(code(() => k.threadInfo('once'))).toBe('ENOENT');
    expect(code(() => k.partitionHandle('once.private'))).toBe('ENOENT');
    // The next spawn gets new handles: the old ones name nothing any more.
    await k.spawn(HOSTILE, { name: 'probe', args: { mode: 'obj-list' } });
    await k.waitForThread('probe');
    expect(k.partitionHandle('probe.private')).not.toBe(partition);
    expect(k.threadInfo('probe').handle).not.toBe(thread);
    k.removeThread('probe');
  }
}, 60_000);

it('a thread that may still run is refused with EBUSY, and can be removed once stopped', async () => {
  await k.spawn(HOSTILE, { name: 'sleeper', args: { mode: 'crash-after', ms: 10_000 } });
  await k.waitForThread('sleeper', ['running']);
  expect(code(() => k.removeThread('sleeper'))).toBe('EBUSY');
  await k.stopThread('sleeper');
  k.removeThread('sleeper');
  expect(code(() => k.threadInfo('sleeper'))).toBe('ENOENT');
}, 60_000);

it('a thread stopped while it waits for its restart stays down', async () => {
  await k.spawn(HOSTILE, { name: 'crasher', args: { mode: 'crash' }, restart: { maxRestarts: 5, backoffMs: 300, minRunMs: 0 } });
  await k.waitForThread('crasher', ['restarting']);
  await k.stopThread('crasher');
  expect(k.threadInfo('crasher').state).toBe('stopped');
  await new Promise((r) => setTimeout(r, 600)); // past the backoff
  expect(k.threadInfo('crasher').state).toBe('stopped');
  expect(k.threadInfo('crasher').counters.restarts).toBe(0);
  k.removeThread('crasher');
}, 60_000);

it('a thread that serves an endpoint is refused', async () => {
  const k2 = await bootTestKernel({ startThreads: true });
  try {
    const server = k2.device('eeprom0').servedBy!;
    await k2.stopThread(server);
    expect(code(() => k2.removeThread(server))).toBe('EBUSY');
  } finally {
    await k2.shutdown();
  }
}, 60_000);
