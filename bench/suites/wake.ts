/**
 * What waking a sleeping thread costs on this machine: the figure under every syscall that does
 * not catch the other side polling. A plain worker sleeps in `Atomics.wait`; the main thread
 * notifies it after a gap and spins until it acknowledges. Two numbers per sample:
 *
 * - the notifier's cost: how long `Atomics.notify` itself took on the main thread. On a virtual
 *   machine, waking a thread whose core is idle makes the host deliver an interrupt, and the
 *   notifying thread waits for that: this is time the kernel's event loop loses on every reply
 *   to a sleeping worker;
 * - the wake-up latency: from the notify to the worker running again.
 *
 * Gaps of 50 µs and 2 ms before the notify (a worker that has just gone to sleep, and one that
 * has slept through a bus transaction), and the cost of a notify that finds no sleeper.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { summarize, type Summary } from '../stats';

export const WAKE_SEQ = 0;
export const WAKE_ACK = 1;
export const WAKE_ARMED = 2;

export interface WakePoint {
  /** How long the worker had been asleep before the notify, µs. */
  readonly gapUs: number;
  /** Duration of the Atomics.notify call that woke it, on the notifying thread, µs. */
  readonly notifyUs: Summary;
  /** From the notify to the worker's acknowledgement, µs. */
  readonly latencyUs: Summary;
}

export interface WakeResult {
  readonly points: readonly WakePoint[];
  /** Duration of an Atomics.notify that finds no sleeper, µs. */
  readonly notifyNoWaiterUs: Summary;
}

const spinUntil = (t: number): void => {
  while (performance.now() < t) {
    /* spin */
  }
};

export async function wakeSuite(samples: number, gapsUs: readonly number[] = [50, 2000]): Promise<WakeResult> {
  const sab = new SharedArrayBuffer(16);
  const ia = new Int32Array(sab);
  const worker = new Worker(join(__dirname, '..', 'wake-child.js'), { workerData: sab });
  let seq = 0;
  const points: WakePoint[] = [];
  try {
    for (const gapUs of gapsUs) {
      const notify = new Float64Array(samples);
      const latency = new Float64Array(samples);
      for (let i = 0; i < samples; i++) {
        const deadline = performance.now() + 5000;
        while (Atomics.load(ia, WAKE_ARMED) !== seq + 1) {
          if (performance.now() > deadline) throw new Error('wake-up suite: the worker did not get ready');
          await sleep(0);
        }
        // Let it fall asleep for the gap: a short gap is spun, a long one slept on a timer.
        if (gapUs >= 1000) await sleep(gapUs / 1000);
        else spinUntil(performance.now() + gapUs / 1000);
        seq++;
        const t0 = performance.now();
        Atomics.store(ia, WAKE_SEQ, seq);
        Atomics.notify(ia, WAKE_SEQ);
        const t1 = performance.now();
        while (Atomics.load(ia, WAKE_ACK) !== seq) {
          /* spin for the acknowledgement */
        }
        const t2 = performance.now();
        notify[i] = (t1 - t0) * 1000;
        latency[i] = (t2 - t0) * 1000;
      }
      points.push({ gapUs, notifyUs: summarize(notify), latencyUs: summarize(latency) });
    }
    const none = new Float64Array(samples);
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      Atomics.notify(ia, WAKE_ACK); // nobody waits on this word
      none[i] = (performance.now() - t0) * 1000;
    }
    return { points, notifyNoWaiterUs: summarize(none) };
  } finally {
    Atomics.store(ia, WAKE_SEQ, -1);
    Atomics.notify(ia, WAKE_SEQ);
    await worker.terminate();
  }
}
