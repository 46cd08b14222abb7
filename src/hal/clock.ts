/**
 * Time for device models: the real monotonic clock, or a virtual one that tests advance.
 *
 * Models read `nowUs()` to decide whether a write cycle is still running; the mock bus advances a
 * virtual clock by the time each transfer would take on the wire, so busy-polling terminates in
 * tests without sleeping.
 */

export interface Clock {
  nowUs(): number;
  /** Lets time pass: a virtual clock moves forward, the real clock ignores it. */
  advanceUs(us: number): void;
}

export class RealClock implements Clock {
  nowUs(): number {
    return performance.now() * 1000;
  }
  advanceUs(): void {
    /* real time passes by itself */
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
}
