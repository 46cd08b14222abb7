/**
 * The memory watchdog: stops a user thread whose off-heap memory (ArrayBuffers, which a JS heap
 * limit does not count) passes its budget, before the process is at risk.
 *
 * Three sources, cheapest first, checked every `intervalMs`:
 * 1. The thread's own sampler (trusted half of the worker) writes its isolate's ArrayBuffer
 *    bytes and a heartbeat into the syscall page (abi/page.ts) whenever its event loop turns.
 * 2. Where Node offers `worker.getHeapStatistics()` (22.16 and later), the kernel asks the
 *    worker's isolate directly; V8 answers through an interrupt even while the thread runs a
 *    loop that never yields.
 * 3. Elsewhere (Node 20), a thread that runs without yielding cannot report; if the process's
 *    resident memory then passes the guard (memory at boot plus every running thread's budgets
 *    plus headroom), the threads whose heartbeat stopped while they were not in a syscall are the
 *    ones allocating, and they are stopped.
 */
import { CTL_HEARTBEAT, pageViews, SLOT_BUFFER_BYTES } from '../abi/page';
import type { UserThread } from './thread';

const MiB = 1024 * 1024;

export interface WatchdogOptions {
  readonly intervalMs?: number;
  /** A heartbeat older than this, outside a syscall, means the thread runs without yielding. */
  readonly staleMs?: number;
  /** Process memory allowed beyond the sum of the running threads' budgets. */
  readonly headroomBytes?: number;
}

type HeapStats = { external_memory?: number };
type WorkerWithStats = { getHeapStatistics?: () => Promise<HeapStats> };

export class MemoryWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private readonly baseline = process.memoryUsage.rss();
  private busy = false;

  constructor(
    private readonly running: () => readonly UserThread[],
    private readonly stop: (t: UserThread, reason: string) => void,
    private readonly opts: WatchdogOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 100);
    this.timer.unref();
  }

  stopAll(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round of checks (also called directly by tests). */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = performance.now();
      const threads = this.running();
      for (const t of threads) {
        const { ctl, slots } = pageViews(t.page);
        const beat = Atomics.load(ctl, CTL_HEARTBEAT);
        if (beat !== t.heartbeat.value) t.heartbeat = { value: beat, changedAt: now };
        this.check(t, slots[SLOT_BUFFER_BYTES] ?? 0, 'its own sampler');
      }
      const precise = await Promise.all(threads.map((t) => this.isolateBytes(t)));
      threads.forEach((t, i) => {
        const bytes = precise[i];
        if (bytes !== undefined) this.check(t, bytes, 'its isolate');
      });
      if (precise.every((b) => b !== undefined)) return;
      const alive = threads.filter((t) => t.alive);
      const guard = this.baseline + alive.reduce((n, t) => n + (t.spec.heapMb + t.spec.bufferMb) * MiB, 0) + (this.opts.headroomBytes ?? 512 * MiB);
      const rss = process.memoryUsage.rss();
      if (rss <= guard) return;
      const stale = this.opts.staleMs ?? 300;
      for (const t of alive) {
        if (t.inSyscall === 0 && now - t.heartbeat.changedAt > stale) {
          this.stop(
            t,
            `the process's memory reached ${Math.round(rss / MiB)} MiB (guard ${Math.round(guard / MiB)} MiB) while this thread ran ` +
              `${Math.round(now - t.heartbeat.changedAt)} ms without yielding`,
          );
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private check(t: UserThread, bytes: number, source: string): void {
    const limit = t.spec.bufferMb * MiB;
    if (t.alive && bytes > limit) {
      this.stop(t, `holds ${Math.round(bytes / MiB)} MiB of ArrayBuffer memory (seen by ${source}), over its budget of ${t.spec.bufferMb} MiB`);
    }
  }

  private async isolateBytes(t: UserThread): Promise<number | undefined> {
    const w = t.worker as WorkerWithStats | undefined;
    if (!w || typeof w.getHeapStatistics !== 'function' || !t.alive) return undefined;
    try {
      const s = await w.getHeapStatistics();
      return typeof s.external_memory === 'number' ? s.external_memory : undefined;
    } catch {
      return undefined;
    }
  }
}
