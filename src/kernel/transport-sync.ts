/**
 * Kernel side of the synchronous transport: one service for the syscall pages of every thread.
 *
 * A worker traps by writing its page and moving its state to REQUEST; it waits in `Atomics.wait`
 * like a thread in a real trap. The kernel's event loop serves the pages from one loop:
 *
 * - Round robin. Each sweep serves every page that holds a request, one request each, starting
 *   one page further on every sweep, so no thread is served twice while another waits.
 * - The request is marked SERVING when it is picked up: the worker polls for its reply only
 *   while the kernel is working on it, and sleeps while it waits its turn; and only as many
 *   workers as there are cores besides the kernel's are told to poll (CTL_POLL): with more
 *   threads than cores, polling workers would take the cores the others need.
 * - Bounded, adaptive polling. With nothing to serve, the loop polls every page for up to a
 *   window (the largest `spinUs` of its threads) before it sleeps, so back-to-back calls cost
 *   no wake-up. The window shrinks to a quarter each time a poll catches nothing and doubles back
 *   while polls succeed (a short probe every 16th time it is 0): when a poll cannot succeed (the caller needs the core the kernel is
 *   spinning on, or calls are far apart) the kernel stops burning the time. It does not poll
 *   while a bus transfer is in flight, whose completion needs the event loop.
 * - Asleep, the loop waits with `Atomics.waitAsync` on each idle page, so an idle kernel sleeps.
 * - Fair to everything else on the event loop: the loop lets the event loop turn at least every
 *   millisecond of continuous service (timers, I/O, MessagePort syscalls, library calls).
 *
 * A request that faults the thread is never answered: the worker is terminated while it waits.
 * docs/benchmarks.md ("The syscall service under concurrency") gives the measurements behind
 * this design.
 */
import { ERRNO } from '../abi/errno';
import { availableParallelism } from 'node:os';
import { CTL_POLL, CTL_STATE, PAGE_STATE, pageViews, SLOT_ARGS, SLOT_R0, SLOT_R1 } from '../abi/page';
import { MAX_WIRE_SLOTS, SYSCALLS } from '../abi/syscalls';
import type { Dispatch } from './dispatch';

export interface SyncServer {
  stop(): void;
}

/** Longest continuous service before the event loop gets a turn, in ms. */
const TURN_EVERY_MS = 1;
/** While the window is 0, one poll in this many tries a short window, to notice when polling pays again. */
const PROBE_EVERY = 16;

/**
 * Syscalls whose handlers wait on I/O or timers that only the event loop completes (a bus
 * transfer, a bus lock, a GPIO line): the loop does not poll while one is in flight.
 */
const EVENT_LOOP_BOUND: ReadonlySet<number> = new Set(
  (['spi_transfer', 'spi_lock', 'i2c_transfer', 'gpio_get', 'gpio_set'] as const).map((n) => SYSCALLS[n].nr),
);

/** Syscalls that wait for another party (a message, a timer): their callers do not poll for long. */
const BLOCKING: ReadonlySet<number> = new Set((['ipc_receive', 'ipc_call', 'sleep', 'yield', 'spi_lock'] as const).map((n) => SYSCALLS[n].nr));

/** Callers that may poll for their replies at once: one core is the kernel's. */
const POLLERS = Math.max(1, availableParallelism() - 1);

/** Syscalls whose handlers finish in microtasks: the loop waits for them before it polls. */
const QUICK: ReadonlySet<number> = new Set((['null', 'mem_copy', 'report', 'log', 'obj_list', 'ipc_reply'] as const).map((n) => SYSCALLS[n].nr));

interface Page {
  readonly ctl: Int32Array;
  readonly slots: Float64Array;
  /** The request, copied out of the page before it is checked (one in flight per page). */
  readonly request: Float64Array;
  readonly dispatch: Dispatch;
  readonly spinUs: number;
  /** A request of this page is being served. */
  busy: boolean;
  /** An `Atomics.waitAsync` on its state is pending. */
  armed: boolean;
  stopped: boolean;
}

export class SyncService {
  private pages: Page[] = [];
  private next = 0;
  private running = false;
  private wake: (() => void) | undefined;
  private kicked = false;
  /** Current poll window, µs (adaptive, at most the largest spinUs of the pages). */
  private windowUs = Number.POSITIVE_INFINITY;
  private sleeps = 0;
  /** Requests in flight whose handlers wait on the event loop. */
  private loopBound = 0;
  /** Requests in flight that finish in microtasks. */
  private quick = 0;
  /** Requests in flight whose callers may be polling for the reply (not BLOCKING ones). */
  private pollers = 0;
  /** When the event loop last had a turn (a task ran), ms. */
  private lastTurn = performance.now();
  private readonly onTurn = (): void => {
    this.lastTurn = performance.now();
    this.kick();
  };
  /** The loop waited a whole event-loop turn for the bus transfers in flight, and they were not done. */
  private turned = false;
  private turn: NodeJS.Immediate | undefined;
  private readonly onImmediate = (): void => {
    this.turn = undefined;
    this.turned = true;
    this.onTurn();
  };

  /** Starts serving a thread's page. `spinUs`: its polling window (0: never poll for it). */
  add(page: SharedArrayBuffer, dispatch: Dispatch, spinUs: number): SyncServer {
    const { ctl, slots } = pageViews(page);
    const p: Page = { ctl, slots, request: new Float64Array(SLOT_ARGS + MAX_WIRE_SLOTS), dispatch, spinUs, busy: false, armed: false, stopped: false };
    this.pages.push(p);
    this.kick();
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
    return {
      stop: (): void => {
        if (p.stopped) return;
        p.stopped = true;
        this.pages = this.pages.filter((x) => x !== p);
        Atomics.store(ctl, CTL_STATE, PAGE_STATE.DEAD);
        Atomics.notify(ctl, CTL_STATE);
        this.kick();
      },
    };
  }

  private kick(): void {
    this.kicked = true;
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w();
    }
  }

  private maxSpinUs(): number {
    let m = 0;
    for (const p of this.pages) if (p.spinUs > m) m = p.spinUs;
    return m;
  }

  private async loop(): Promise<void> {
    while (this.pages.length > 0) {
      if (performance.now() - this.lastTurn >= TURN_EVERY_MS) {
        // Continuous service: let timers, I/O and MessagePort syscalls have their turn.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.lastTurn = performance.now();
      }
      this.kicked = false;
      const served = this.sweep();
      // A request that finishes in microtasks is answered before anything else is looked at.
      if (this.quick > 0) {
        await this.waitForKick();
        continue;
      }
      // Bus transfers: most finish in microtasks too (a simulated bus); wait for them, or for one
      // turn of the event loop, before sleeping on the pages until they are done.
      if (this.loopBound > 0 && (served > 0 || !this.turned)) {
        this.turned = false;
        await this.kickOrTurn();
        continue;
      }
      if (this.poll()) continue;
      await this.sleep();
    }
    this.running = false;
  }

  /**
   * Serves every page holding a request, one request each, round robin; returns how many. Each
   * caller is told whether to poll for its reply: only as many as there are cores to spare.
   */
  private sweep(): number {
    const pages = this.pages;
    const n = pages.length;
    let pending = 0;
    for (let i = 0; i < n; i++) if (!pages[i]!.busy && Atomics.load(pages[i]!.ctl, CTL_STATE) === PAGE_STATE.REQUEST) pending++;
    const poll = this.pollers + pending <= POLLERS ? 1 : 0;
    let served = 0;
    for (let i = 0; i < n && served < pending; i++) {
      const p = pages[(this.next + i) % n]!;
      if (p.busy || Atomics.load(p.ctl, CTL_STATE) !== PAGE_STATE.REQUEST) continue;
      Atomics.store(p.ctl, CTL_POLL, poll);
      void this.serve(p);
      served++;
    }
    this.next = n > 0 ? (this.next + 1) % n : 0;
    return served;
  }

  private async serve(p: Page): Promise<void> {
    p.busy = true;
    Atomics.store(p.ctl, CTL_STATE, PAGE_STATE.SERVING);
    p.request.set(p.slots.subarray(0, p.request.length));
    const nr = p.request[0]!;
    const kind = QUICK.has(nr) ? 1 : EVENT_LOOP_BOUND.has(nr) ? 2 : 0;
    const polling = !BLOCKING.has(nr);
    if (kind === 1) this.quick++;
    else if (kind === 2) this.loopBound++;
    if (polling) this.pollers++;
    let r: Awaited<ReturnType<Dispatch>>;
    try {
      r = await p.dispatch(p.request);
    } catch {
      r = [-ERRNO.EIO, 0]; // the dispatcher never throws; if it did, the thread still gets an answer
    }
    if (kind === 1) this.quick--;
    else if (kind === 2) this.loopBound--;
    if (polling) this.pollers--;
    // null: the call faulted the thread, which is being stopped; it is never answered.
    if (r !== null && !p.stopped) {
      p.slots[SLOT_R0] = r[0];
      p.slots[SLOT_R1] = r[1];
      p.busy = false;
      Atomics.store(p.ctl, CTL_STATE, PAGE_STATE.REPLY);
      Atomics.notify(p.ctl, CTL_STATE);
    }
    this.kick();
  }

  private async waitForKick(): Promise<void> {
    if (this.kicked) return;
    await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Waits for a kick, or at most one turn of the event loop. */
  private async kickOrTurn(): Promise<void> {
    if (this.kicked) return;
    this.turn ??= setImmediate(this.onImmediate);
    await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.turn) {
      clearImmediate(this.turn);
      this.turn = undefined;
    }
  }

  /** Polls every page for a request, within the adaptive window. True when one arrived. */
  private poll(): boolean {
    const cap = this.maxSpinUs();
    if (cap <= 0 || this.loopBound > 0 || this.kicked) return this.kicked;
    if (this.windowUs > cap) this.windowUs = cap;
    let w = this.windowUs;
    if (w < 1) {
      // A probe lasts the whole window: a caller that slept through its reply needs a wake-up
      // (tens of µs) before its next request, and a shorter probe would never see it come.
      if (++this.sleeps % PROBE_EVERY !== 0) return false;
      w = cap;
    }
    const pages = this.pages;
    const until = performance.now() + w / 1000;
    for (;;) {
      for (let i = 0; i < pages.length; i++) {
        const p = pages[i]!;
        if (!p.busy && Atomics.load(p.ctl, CTL_STATE) === PAGE_STATE.REQUEST) {
          this.windowUs = Math.min(cap, Math.max(this.windowUs * 2, w, 1));
          return true;
        }
      }
      if (performance.now() >= until) break;
    }
    this.windowUs = this.windowUs >= 4 ? this.windowUs / 4 : 0;
    return false;
  }

  /**
   * Waits until a page's state changes (its waitAsync, armed once and kept until it fires), a
   * request in flight finishes, or a page is added or stopped.
   */
  private async sleep(): Promise<void> {
    for (const p of this.pages) {
      if (p.busy || p.armed) continue;
      const s = Atomics.load(p.ctl, CTL_STATE);
      if (s === PAGE_STATE.REQUEST) return;
      const w = Atomics.waitAsync(p.ctl, CTL_STATE, s);
      if (!w.async) return;
      p.armed = true;
      void w.value.then(() => {
        p.armed = false;
        this.onTurn();
      });
    }
    await this.waitForKick();
  }
}
