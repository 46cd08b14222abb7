/**
 * Fault policies: the kernel records a fault and asks the thread's policy what next. Backoff
 * doubles per quick failure in a row up to its cap, a thread is held back after maxRestarts quick
 * failures, and one that ran at least minRunMs was healthy: its streak and backoff start over.
 */
import { backoffPolicy, NEVER_RESTART, policyFor } from '../../src/kernel/supervisor';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE } from '../helpers/kernel-board';

describe('backoff policy', () => {
  const p = backoffPolicy({ maxRestarts: 3, backoffMs: 100, maxBackoffMs: 250, minRunMs: 1000 });

  it('doubles the delay for each quick failure in a row, up to the cap, then holds the thread back', () => {
    let streak = 0;
    const delays: number[] = [];
    for (;;) {
      const d = p.decide({ ranMs: 10, streak });
      if (d.action === 'stop') {
        expect(d.why).toMatch(/3 restarts in a row failed within 1000 ms/);
        break;
      }
      delays.push(d.delayMs);
      streak = d.streak;
    }
    expect(delays).toEqual([100, 200, 250]);
  });

  it('a thread that ran at least minRunMs starts over: first delay again, never held back', () => {
    const d = p.decide({ ranMs: 1500, streak: 3 });
    expect(d).toEqual({ action: 'restart', delayMs: 100, streak: 1 });
  });

  it('"never" stops at once, and a spec maps to its policy', () => {
    expect(NEVER_RESTART.decide({ ranMs: 0, streak: 0 }).action).toBe('stop');
    expect(policyFor('never')).toBe(NEVER_RESTART);
    expect(policyFor({ maxRestarts: 1, backoffMs: 5 }).describe).toMatch(/backoff 5 ms/);
  });
});

describe('in the kernel', () => {
  let k: Kernel;
  beforeEach(async () => {
    k = await bootTestKernel();
  });
  afterEach(async () => {
    await k.shutdown();
  });

  it('a thread that fails only after running long enough keeps being restarted past maxRestarts', async () => {
    let restarts = 0;
    const third = new Promise<void>((resolve) =>
      k.on('event', (ev: { kind: string; thread: string; message: string }) => {
        if (ev.kind === 'restart' && ev.thread === 'slow-crasher' && ev.message.startsWith('restart') && ++restarts === 3) resolve();
      }),
    );
    await k.spawn(HOSTILE, { name: 'slow-crasher', args: { mode: 'crash-after', ms: 150 }, restart: { maxRestarts: 1, backoffMs: 5, minRunMs: 100 } });
    await third;
    expect(k.threadInfo('slow-crasher').counters.restarts).toBeGreaterThanOrEqual(3);
  });
});
