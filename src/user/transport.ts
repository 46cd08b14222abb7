/**
 * User side of the two syscall transports. Both carry the same wire slots (abi/syscalls.ts
 * `flattenArgs`) and return the same [r0, r1], so a program can switch transport without any
 * other change. Their state is in #private fields: a transport is held only by `Sys`, and nothing
 * a program can reach leads to the syscall page or the port.
 *
 * - SyncTransport: writes the request into the thread's syscall page and blocks in
 *   `Atomics.wait` until the kernel answers, like a trap into a real kernel (after a short,
 *   adaptive poll while the kernel is serving it: see kernel/transport-sync.ts).
 * - PortTransport: posts the request on a MessagePort and awaits the reply (asynchronous).
 */
import type { MessagePort } from 'node:worker_threads';
import { CTL_POLL, CTL_STATE, PAGE_STATE, pageViews, SLOT_ARGS, SLOT_NR, SLOT_R0, SLOT_R1 } from '../abi/page';
import { HilError } from '../abi/errno';

export interface Transport {
  readonly kind: 'sync' | 'port';
  call(nr: number, slots: readonly number[]): [number, number] | Promise<[number, number]>;
  /** Resolves when no call is in flight (the bootstrap waits for it before the thread exits). */
  idle(): Promise<void>;
}

/** Longest poll for the kernel to pick a request up; after it the worker sleeps (its turn is not near). */
const PICKUP_MS = 0.01;
/** While a window is 0, one call in this many polls a short window, to notice when polling pays again. */
const PROBE_EVERY = 16;
/** Windows are kept per syscall number below this (others share the last). */
const WINDOWS = 32;

export class SyncTransport implements Transport {
  readonly kind = 'sync' as const;
  readonly #ctl: Int32Array;
  readonly #slots: Float64Array;
  readonly #spinMs: number;
  /** Adaptive poll window per syscall number, ms: a `sleep` or a blocking `ipc_receive` stops polling, a quick transfer keeps it. */
  readonly #window: Float64Array;
  /** Adaptive limit on polling for the pickup, ms: when the kernel is not polling, waiting for it to pick up is wasted. */
  #pickupMs = PICKUP_MS;
  #pickupProbes = 0;
  #calls = 0;

  /**
   * `spinUs`: the longest time to poll for the reply before sleeping in Atomics.wait (0: never
   * poll). The worker polls only while the kernel is serving its request (state SERVING), and for
   * a short moment for the kernel to pick it up; each syscall's window halves twice when a poll
   * misses and grows back when polls catch the reply.
   */
  constructor(page: SharedArrayBuffer, spinUs: number) {
    const v = pageViews(page);
    this.#ctl = v.ctl;
    this.#slots = v.slots;
    this.#spinMs = spinUs / 1000;
    this.#window = new Float64Array(WINDOWS).fill(this.#spinMs);
  }

  call(nr: number, args: readonly number[]): [number, number] {
    const ctl = this.#ctl;
    const slots = this.#slots;
    slots[SLOT_NR] = nr;
    for (let i = 0; i < args.length; i++) slots[SLOT_ARGS + i] = args[i]!;
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.REQUEST);
    Atomics.notify(ctl, CTL_STATE);
    let s = Atomics.load(ctl, CTL_STATE);
    if ((s === PAGE_STATE.REQUEST || s === PAGE_STATE.SERVING) && this.#spinMs > 0) s = this.#poll(nr);
    while (s === PAGE_STATE.REQUEST || s === PAGE_STATE.SERVING) {
      Atomics.wait(ctl, CTL_STATE, s);
      s = Atomics.load(ctl, CTL_STATE);
    }
    if (s === PAGE_STATE.DEAD) throw new HilError('ECANCELED', 'the kernel closed this thread');
    const r: [number, number] = [slots[SLOT_R0]!, slots[SLOT_R1]!];
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.IDLE);
    return r;
  }

  /** Polls for the reply within this syscall's window; returns the state last seen. */
  #poll(nr: number): number {
    const ctl = this.#ctl;
    const slot = nr >= 0 && nr < WINDOWS ? nr : WINDOWS - 1;
    let w = this.#window[slot]!;
    if (w <= 0) {
      if (++this.#calls % PROBE_EVERY !== 0) return Atomics.load(ctl, CTL_STATE);
      w = this.#spinMs / 8;
    }
    // Waiting for the pickup shrinks to nothing while the kernel sleeps; one call in PROBE_EVERY
    // waits the whole pickup time again, or a kernel that started polling would go unnoticed.
    const pickupMs = this.#pickupMs < PICKUP_MS && ++this.#pickupProbes % PROBE_EVERY === 0 ? PICKUP_MS : this.#pickupMs;
    const t0 = performance.now();
    const until = t0 + w;
    const pickup = t0 + Math.min(w, pickupMs);
    let s: number;
    let now = t0;
    let picked = false;
    let pickedAt = t0;
    while ((s = Atomics.load(ctl, CTL_STATE)) === PAGE_STATE.SERVING || s === PAGE_STATE.REQUEST) {
      now = performance.now();
      if (s === PAGE_STATE.SERVING) {
        // Picked up; the kernel says whether a core is free for this thread to poll on.
        if (!picked && Atomics.load(ctl, CTL_POLL) === 0) return s;
        if (!picked) pickedAt = now;
        picked = true;
      } else if (now >= pickup) break;
      if (now >= until) break;
    }
    if (s === PAGE_STATE.REQUEST) {
      // Not picked up in time: the kernel is asleep or busy with others. Poll for it less.
      this.#pickupMs = this.#pickupMs >= 0.002 ? this.#pickupMs / 2 : 0.0005;
      return s;
    }
    // Picked up in time: waiting for the pickup paid; allow at least twice what it took.
    this.#pickupMs = Math.min(PICKUP_MS, Math.max(this.#pickupMs * 2, (pickedAt - t0) * 2));
    if (s !== PAGE_STATE.SERVING) {
      this.#window[slot] = Math.min(this.#spinMs, Math.max(this.#window[slot]! * 2, now - t0, 0.001));
    } else {
      const cur = this.#window[slot]!;
      this.#window[slot] = cur >= 0.004 ? cur / 4 : 0;
    }
    return s;
  }

  idle(): Promise<void> {
    return Promise.resolve();
  }
}

export class PortTransport implements Transport {
  readonly kind = 'port' as const;
  #seq = 0;
  readonly #pending = new Map<number, (r: [number, number]) => void>();
  readonly #port: MessagePort;
  #drained: (() => void)[] = [];

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (m: [number, number, number]) => {
      const resolve = this.#pending.get(m[0]);
      this.#pending.delete(m[0]);
      resolve?.([m[1], m[2]]);
      if (this.#pending.size === 0) for (const f of this.#drained.splice(0)) f();
    });
  }

  call(nr: number, args: readonly number[]): Promise<[number, number]> {
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      this.#pending.set(seq, resolve);
      this.#port.postMessage([seq, nr, ...args]);
    });
  }

  idle(): Promise<void> {
    return this.#pending.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve));
  }
}
