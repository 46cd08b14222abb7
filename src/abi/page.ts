/**
 * Layout of a thread's syscall page: the SharedArrayBuffer through which the synchronous
 * transport traps into the kernel.
 *
 * The user thread writes the syscall number and its wire slots, moves `state` from IDLE to
 * REQUEST and sleeps in `Atomics.wait`; the kernel serves the request, writes r0/r1, moves
 * `state` to REPLY and notifies. Arguments travel as float64 so that a NaN, a fraction or a huge
 * value reaches the kernel's verifier as sent, instead of being silently truncated by an Int32Array.
 */
import { MAX_WIRE_SLOTS } from './syscalls';

/**
 * IDLE → REQUEST (the worker trapped) → SERVING (the kernel picked the request up) → REPLY (r0/r1
 * written) → IDLE (the worker took the reply). DEAD: the kernel closed the thread.
 */
export const PAGE_STATE = { IDLE: 0, REQUEST: 1, REPLY: 2, DEAD: 3, SERVING: 4 } as const;

/**
 * Longest time each side polls before it goes to sleep: the worker for the kernel's reply (only
 * while the kernel is serving its request), the kernel for the next request of any thread. A
 * wake-up through the scheduler costs tens of microseconds; a poll that catches the other side
 * costs about one. Bounded and adaptive (a poll that keeps missing shrinks to nothing, so an idle
 * or overloaded system does not spin), per thread: `spawn({ syscallSpinUs })`, 0 turns it off.
 * docs/benchmarks.md shows the measured effect.
 */
export const DEFAULT_SPIN_US = 100;
export const MAX_SPIN_US = 1000;

/** Int32 control words. */
export const CTL_STATE = 0;
/**
 * Telemetry the trusted half of the worker writes and the kernel's memory watchdog reads: a
 * counter the worker's sampler bumps on every tick (a counter that stops moving while the thread
 * is not in a syscall means the thread is running without yielding), next to SLOT_BUFFER_BYTES.
 */
export const CTL_HEARTBEAT = 1;
/**
 * Written by the kernel when it picks a request up, before SERVING: 1 when the worker may poll
 * for the reply, 0 when it should sleep at once (more threads are being served than there are
 * cores left to poll on: their polls would take the cores the others need).
 */
export const CTL_POLL = 2;
const CTL_WORDS = 4;

/** Float64 slots after the control words. */
export const SLOT_NR = 0;
export const SLOT_ARGS = 1;
export const SLOT_R0 = SLOT_ARGS + MAX_WIRE_SLOTS;
export const SLOT_R1 = SLOT_R0 + 1;
/** Bytes of ArrayBuffer memory the worker's isolate holds, as its sampler last saw it. */
export const SLOT_BUFFER_BYTES = SLOT_R1 + 1;
const SLOTS = SLOT_BUFFER_BYTES + 1;

export const PAGE_BYTES = CTL_WORDS * 4 + SLOTS * 8;

export interface PageViews {
  readonly ctl: Int32Array;
  readonly slots: Float64Array;
}

export function pageViews(sab: SharedArrayBuffer): PageViews {
  return { ctl: new Int32Array(sab, 0, CTL_WORDS), slots: new Float64Array(sab, CTL_WORDS * 4, SLOTS) };
}

export function newSyscallPage(): SharedArrayBuffer {
  return new SharedArrayBuffer(PAGE_BYTES);
}
