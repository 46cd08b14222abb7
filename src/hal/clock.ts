/**
 * Time for device models: the real monotonic clock, or a virtual one that tests advance.
 *
 * Models read `nowUs()` to decide whether a write cycle is still running; the mock bus advances a
 * virtual clock by the time each transfer would take on the wire, so busy-polling terminates in
 * tests without sleeping. A mock bus with its timing model on waits with `waitUntilUs`, so that a
 * transaction takes its modelled time on the real clock too.
 */

export interface Clock {
  nowUs(): number;
  /** Lets time pass: a virtual clock moves forward, the real clock ignores it. */
  advanceUs(us: number): void;
  /**
   * Resolves once `nowUs()` has reached `deadlineUs` (at once if it already has): a virtual
   * clock jumps there, the real clock waits. Never resolves early.
   */
  waitUntilUs(deadlineUs: number): Promise<void>;
}

/**
 * Waits shorter than this are spun on `performance.now()`; longer ones first sleep on a timer.
 *
 * A Node timer runs on the event loop's millisecond clock: it may fire up to ~1 ms before the
 * wall-clock time it was set for (the loop's time is read at the start of an iteration) and
 * fires late by whatever else the loop and the machine are doing. So a long wait sleeps until
 * about 1 ms before its deadline, and the rest, under 2 ms, is spun: the spin ends within a few
 * microseconds of the deadline, and the event loop is blocked for at most 2 ms per wait.
 */
export const REAL_CLOCK_SPIN_LIMIT_US = 2000;

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RealClock implements Clock {
  nowUs(): number {
    return performance.now() * 1000;
  }
  advanceUs(): void {
    /* real time passes by itself */
  }
  async waitUntilUs(deadlineUs: number): Promise<void> {
    for (;;) {
      const left = deadlineUs - this.nowUs();
      if (left <= 0) return;
      if (left < REAL_CLOCK_SPIN_LIMIT_US) break;
      await sleepMs(Math.floor(left / 1000) - 1);
    }
    while (this.nowUs() < deadlineUs) {
      /* bounded spin: less than REAL_CLOCK_SPIN_LIMIT_US */
    }
  }
}

export class VirtualClock implements Clock {
  private t = 0;
  nowUs(): number {
    return this.t;
  }
  advanceUs(us: number): void {
    if (us > 0) this.t += us;
  }
  async waitUntilUs(deadlineUs: number): Promise<void> {
    this.advanceUs(deadlineUs - this.t);
  }
}
