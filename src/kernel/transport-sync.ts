/**
 * Kernel side of the synchronous transport: serves a thread's syscall page.
 *
 * The worker blocks in `Atomics.wait` like a thread in a real trap; the kernel's event loop is
 * woken by `Atomics.waitAsync`, so an idle kernel sleeps instead of spinning. A request that
 * faults the thread is never answered: the worker is terminated while it waits.
 */
import { CTL_STATE, PAGE_STATE, pageViews, SLOT_ARGS, SLOT_R0, SLOT_R1 } from '../abi/page';
import { MAX_WIRE_SLOTS } from '../abi/syscalls';
import type { Dispatch } from './dispatch';

export interface SyncServer {
  stop(): void;
}

/** `spinUs`: how long to poll for the next request after a reply before sleeping (0: never). */
export function serveSyncPage(page: SharedArrayBuffer, dispatch: Dispatch, spinUs: number): SyncServer {
  const spinMs = spinUs / 1000;
  const { ctl, slots } = pageViews(page);
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const state = Atomics.load(ctl, CTL_STATE);
      if (state !== PAGE_STATE.REQUEST) {
        const w = Atomics.waitAsync(ctl, CTL_STATE, state);
        if (w.async) await w.value;
        continue;
      }
      const request = Array.from(slots.subarray(0, SLOT_ARGS + MAX_WIRE_SLOTS));
      const r = await dispatch(request);
      if (r === null || stopped) return;
      slots[SLOT_R0] = r[0];
      slots[SLOT_R1] = r[1];
      Atomics.store(ctl, CTL_STATE, PAGE_STATE.REPLY);
      Atomics.notify(ctl, CTL_STATE);
      // Back-to-back calls: a short poll catches the next request without a wake-up.
      if (spinMs > 0) {
        const until = performance.now() + spinMs;
        while (Atomics.load(ctl, CTL_STATE) !== PAGE_STATE.REQUEST && performance.now() < until);
      }
    }
  };
  void loop();
  return {
    stop(): void {
      stopped = true;
      Atomics.store(ctl, CTL_STATE, PAGE_STATE.DEAD);
      Atomics.notify(ctl, CTL_STATE);
    },
  };
}
