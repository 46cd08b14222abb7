/**
 * User side of the two syscall transports. Both carry the same wire slots (abi/syscalls.ts
 * `flattenArgs`) and return the same [r0, r1], so a program can switch transport without any
 * other change. Their state is in #private fields: a transport is held only by `Sys`, and nothing
 * a program can reach leads to the syscall page or the port.
 *
 * - SyncTransport: writes the request into the thread's syscall page and blocks in
 *   `Atomics.wait` until the kernel answers, like a trap into a real kernel.
 * - PortTransport: posts the request on a MessagePort and awaits the reply (asynchronous).
 */
import type { MessagePort } from 'node:worker_threads';
import { CTL_STATE, PAGE_STATE, pageViews, SLOT_ARGS, SLOT_NR, SLOT_R0, SLOT_R1 } from '../abi/page';
import { HilError } from '../abi/errno';

export interface Transport {
  readonly kind: 'sync' | 'port';
  call(nr: number, slots: readonly number[]): [number, number] | Promise<[number, number]>;
  /** Resolves when no call is in flight (the bootstrap waits for it before the thread exits). */
  idle(): Promise<void>;
}

export class SyncTransport implements Transport {
  readonly kind = 'sync' as const;
  readonly #ctl: Int32Array;
  readonly #slots: Float64Array;
  readonly #spinMs: number;

  /** `spinUs`: how long to poll for the reply before sleeping in Atomics.wait (0: never poll). */
  constructor(page: SharedArrayBuffer, spinUs: number) {
    const v = pageViews(page);
    this.#ctl = v.ctl;
    this.#slots = v.slots;
    this.#spinMs = spinUs / 1000;
  }

  call(nr: number, args: readonly number[]): [number, number] {
    const ctl = this.#ctl;
    const slots = this.#slots;
    slots[SLOT_NR] = nr;
    for (let i = 0; i < args.length; i++) slots[SLOT_ARGS + i] = args[i]!;
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.REQUEST);
    Atomics.notify(ctl, CTL_STATE);
    let s = Atomics.load(ctl, CTL_STATE);
    if (s === PAGE_STATE.REQUEST && this.#spinMs > 0) {
      const until = performance.now() + this.#spinMs; // a short poll catches a quick reply without a wake-up
      while ((s = Atomics.load(ctl, CTL_STATE)) === PAGE_STATE.REQUEST && performance.now() < until);
    }
    while ((s = Atomics.load(ctl, CTL_STATE)) === PAGE_STATE.REQUEST) Atomics.wait(ctl, CTL_STATE, PAGE_STATE.REQUEST);
    if (s === PAGE_STATE.DEAD) throw new HilError('ECANCELED', 'the kernel closed this thread');
    const r: [number, number] = [slots[SLOT_R0]!, slots[SLOT_R1]!];
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.IDLE);
    return r;
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
