/**
 * User-thread lifecycle: starting a thread's worker with its boot info and transport, the one
 * path through which a thread's state changes, faults (recorded, the thread stopped, its bus
 * locks and IPC released, its fault policy asked whether and when to restart it), on-demand
 * starts, and shutdown. Every event a worker can raise is read defensively (kernel/guard.ts):
 * whatever a thread throws, posts or exits with, the kernel records a fault and carries on.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { ABI_VERSION, type BootInfo } from '../abi/boot-info';
import { type ErrnoCode, HilError, isErrnoCode } from '../abi/errno';
import { newSyscallPage } from '../abi/page';
import type { KernelServices } from './context';
import { type DispatchHooks, dispatcherFor } from './dispatch';
import type { EventLog } from './events';
import { describeThrown, stringField } from './guard';
import { grantOf } from './introspect';
import type { PartitionObject } from './kobjects';
import { distModule } from './paths';
import { diskSesCache, MAX_CODE_CACHE } from './ses-cache';
import { takeSpareWorker } from './spare';
import { NEVER_RESTART } from './supervisor';
import type { ThreadState, UserThread } from './thread';
import { servePort } from './transport-port';
import { SyncService } from './transport-sync';

export interface ThreadHost {
  readonly services: KernelServices;
  readonly hooks: DispatchHooks;
  readonly events: EventLog;
  stateChanged(t: UserThread, state: ThreadState): void;
  /** Drops every bus lock the thread holds or waits for. */
  releaseBuses(owner: string, reason: HilError): void;
  /** Text the worker's trusted half wrote to stdout/stderr (SES warnings, crashes of the bootstrap). */
  workerOutput(t: UserThread, stream: 'stdout' | 'stderr', text: string): void;
}

export class ThreadManager {
  private readonly byName = new Map<string, UserThread>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stoppers = new Map<UserThread, () => void>();
  private down = false;
  /** V8 code cache for the SES library: the build's (kernel/ses-cache.ts), else made by the first confined worker; handed to later ones. */
  private sesCache: Uint8Array | undefined = diskSesCache();
  /** Serves the syscall pages of every thread on the synchronous transport. */
  private readonly syncService = new SyncService();

  constructor(private readonly host: ThreadHost) {}

  get shuttingDown(): boolean {
    return this.down;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): UserThread {
    const t = this.byName.get(name);
    if (!t) throw new HilError('ENOENT', `no thread named ${name}`);
    return t;
  }

  all(): UserThread[] {
    return [...this.byName.values()];
  }

  /** Registers a new thread and starts it now, or leaves it dormant until its endpoint is called. */
  async add(t: UserThread): Promise<void> {
    if (this.down) throw new HilError('ECANCELED', 'the kernel is shut down');
    this.host.services.objects.insert(t);
    this.byName.set(t.name, t);
    if (t.spec.start === 'boot') await this.start(t);
    else this.setState(t, 'dormant');
  }

  /** A call arrived for an endpoint `t` serves: start it if dormant. False when it will never serve again. */
  wake(t: UserThread): boolean {
    if (t.state === 'dormant') {
      void this.start(t).catch(() => undefined);
      return true;
    }
    return t.alive || t.state === 'restarting';
  }

  fault(t: UserThread, syscall: string, code: ErrnoCode, reason: string): void {
    if (!t.alive) return;
    t.counters.faults++;
    this.host.services.stats.faults++;
    t.faults.push({ at: Date.now(), syscall, code, reason });
    if (t.faults.length > 20) t.faults.shift();
    this.host.events.record('fault', t.name, `${syscall}: ${code}: ${reason}`);
    const decision = this.down ? undefined : t.policy.decide({ ranMs: Date.now() - t.startedAt, streak: t.streak });
    const restart = decision?.action === 'restart';
    this.stop(t, 'faulted', new HilError(code, `${t.name} faulted: ${reason}`), restart);
    if (decision?.action === 'restart') {
      t.streak = decision.streak;
      this.scheduleRestart(t, decision.delayMs);
    } else if (decision && t.policy !== NEVER_RESTART) {
      this.host.events.record('restart', t.name, `not restarted: ${decision.why}`);
    }
  }

  /** Stops a thread on request (not a fault: no restart); a dormant thread simply never starts. */
  halt(t: UserThread, why: string): void {
    if (t.alive) {
      this.host.events.record('exit', t.name, `stopped: ${why}`);
      this.stop(t, 'stopped', new HilError('ECANCELED', `${t.name} was stopped: ${why}`));
    } else if (t.state === 'dormant' || t.state === 'restarting') {
      this.setState(t, 'stopped');
    }
  }

  /**
   * Forgets a thread that has ended for good: its record, its object-table entry and its private
   * partition go (their handles stop resolving: generations), and the name may be spawned again.
   * What a long-running kernel that spawns threads on demand needs, or every spawn would keep its
   * partition for the life of the process. A thread that may still run, or that serves an
   * endpoint (whose callers it answers), is refused.
   */
  remove(t: UserThread): void {
    if (t.state !== 'exited' && t.state !== 'faulted' && t.state !== 'stopped') {
      throw new HilError('EBUSY', `${t.name} is ${t.state}: only a thread that has ended (exited, faulted without a restart, or stopped) can be removed; stop it first`);
    }
    if (t.spec.serves.length > 0) throw new HilError('EBUSY', `${t.name} serves an endpoint, which keeps its server; it cannot be removed`);
    this.byName.delete(t.name);
    this.stoppers.delete(t);
    this.host.services.objects.remove(t);
    this.host.services.objects.remove(t.privatePartition);
  }

  async shutdown(): Promise<void> {
    if (this.down) return;
    this.down = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const exits: Promise<unknown>[] = [];
    for (const t of this.byName.values()) {
      if (t.worker) exits.push(t.worker.terminate());
      if (t.alive) this.stop(t, 'stopped', new HilError('ECANCELED', 'kernel shutting down'));
      else if (t.state === 'restarting' || t.state === 'dormant') this.setState(t, 'stopped');
    }
    await Promise.allSettled(exits);
  }

  /** The one place a thread's state changes; listeners see every change. */
  setState(t: UserThread, s: ThreadState): void {
    if (t.state === s) return;
    t.state = s;
    this.host.stateChanged(t, s);
  }

  // ---- internals ----

  private bootInfo(t: UserThread): BootInfo {
    const { objects } = this.host.services;
    return {
      abi: ABI_VERSION,
      threadName: t.name,
      threadHandle: t.handle,
      transport: t.spec.transport,
      page: t.page,
      spinUs: t.spec.spinUs,
      privatePartition: t.privatePartition.handle,
      partitions: [...t.domain].map((h) => {
        const p = objects.get(h) as PartitionObject;
        return { handle: h, name: p.name, buffer: p.buffer };
      }),
      objects: [...t.grants].map((h) => grantOf(objects, h)),
      serves: t.spec.serves.map((h) => objects.get(h)?.name ?? ''),
      program: t.spec.program,
      args: t.spec.args,
      confined: t.spec.confined,
      bufferLimitBytes: t.spec.bufferMb * 1024 * 1024,
    };
  }

  private async start(t: UserThread): Promise<void> {
    t.incarnation++;
    const incarnation = t.incarnation;
    t.page = newSyscallPage();
    t.startedAt = Date.now();
    t.heartbeat = { value: -1, changedAt: performance.now() };
    t.readyMs = undefined;
    this.setState(t, 'starting');
    const t0 = performance.now();
    const channel = t.spec.transport === 'port' ? new MessageChannel() : undefined;
    let worker: Worker;
    // A spare worker started ahead of need (kernel/spare.ts) has SES loaded and locked down already.
    const spare = t.spec.confined ? takeSpareWorker(t.spec.heapMb) : undefined;
    try {
      if (spare) {
        if (spare.sesCache && this.sesCache === undefined && spare.sesCache.length <= MAX_CODE_CACHE) this.sesCache = spare.sesCache;
        worker = spare.worker;
        worker.postMessage({ start: { boot: this.bootInfo(t), port: channel?.port2 } }, channel ? [channel.port2] : []);
      } else {
        worker = new Worker(distModule('user/bootstrap'), {
          workerData: { boot: this.bootInfo(t), port: channel?.port2, sesCache: t.spec.confined ? this.sesCache : undefined },
          transferList: channel ? [channel.port2] : [],
          name: t.name,
          stdout: true,
          stderr: true,
          resourceLimits: { maxOldGenerationSizeMb: t.spec.heapMb },
        });
      }
    } catch (e) {
      this.host.events.record('error', t.name, `cannot start its worker: ${describeThrown(e)}`);
      this.setState(t, 'faulted');
      throw e;
    }
    t.worker = worker;
    const current = (): boolean => t.incarnation === incarnation;
    const served = dispatcherFor(this.host.services, this.host.hooks, t, incarnation);
    // A thread that makes syscalls is running, even if its "ready" message is still on its way.
    const dispatch: typeof served = (slots) => {
      if (t.state === 'starting' && current()) this.setState(t, 'running');
      return served(slots);
    };
    if (channel) {
      const server = servePort(channel.port1, dispatch, (why) => this.fault(t, 'transport', 'EINVAL', why));
      this.stoppers.set(t, () => server.stop());
    } else {
      const server = this.syncService.add(t.page, dispatch, t.spec.spinUs);
      this.stoppers.set(t, () => server.stop());
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      worker[stream].setEncoding('utf8');
      worker[stream].on('data', (text: string) => {
        if (current()) this.host.workerOutput(t, stream, text);
      });
    }
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.on('message', (m: unknown) => {
      if (!current()) return;
      const kind = stringField(m, 'kind');
      if (kind === 'ready') {
        t.readyMs = performance.now() - t0;
        if (t.state === 'starting') this.setState(t, 'running');
        markReady();
      } else if (kind === 'fault') {
        const code = stringField(m, 'code');
        this.fault(t, 'program', code !== undefined && isErrnoCode(code) ? code : 'EFAULT', stringField(m, 'reason') ?? 'the program failed');
      } else if (kind === 'ses-cache' && t.spec.confined && this.sesCache === undefined) {
        const data = (m as { data?: unknown }).data;
        if (data instanceof Uint8Array && data.length <= MAX_CODE_CACHE) this.sesCache = data;
      }
    });
    worker.on('messageerror', () => {
      if (current()) this.fault(t, 'program', 'EINVAL', 'posted a message the kernel cannot read');
    });
    worker.on('error', (err: unknown) => {
      if (!current()) return;
      const oom = stringField(err, 'code') === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fault(t, 'program', oom ? 'ENOMEM' : 'EFAULT', oom ? `ran out of JS heap (limit ${t.spec.heapMb} MiB)` : `uncaught ${describeThrown(err)}`);
      markReady();
    });
    worker.on('exit', (code: number) => {
      if (!current()) return;
      t.exitCode = code;
      if (t.alive) {
        if (code === 0) {
          this.host.events.record('exit', t.name, 'program finished');
          this.stop(t, 'exited', new HilError('ECONNRESET', `${t.name} exited`));
        } else {
          this.fault(t, 'program', 'EFAULT', `exited with code ${code}`);
        }
      }
      markReady();
    });
    await ready;
  }

  private stop(t: UserThread, state: ThreadState, reason: HilError, willRestart = false): void {
    this.setState(t, state);
    this.stoppers.get(t)?.();
    this.stoppers.delete(t);
    this.host.releaseBuses(t.name, reason);
    this.host.services.ipc.serverGone(t.name, willRestart);
    this.host.services.ipc.clientGone(t.name);
    const w = t.worker;
    t.worker = undefined;
    void w?.terminate();
  }

  private scheduleRestart(t: UserThread, delayMs: number): void {
    this.setState(t, 'restarting');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Stopped (or removed) while it waited for its restart: it stays down.
      if (this.down || t.state !== 'restarting') return;
      t.counters.restarts++;
      // A new generation of the thread object: the old handle no longer resolves.
      this.host.services.objects.remove(t);
      this.host.services.objects.insert(t);
      this.host.events.record('restart', t.name, `restart ${t.counters.restarts} after ${delayMs} ms`);
      void this.start(t).catch((e: unknown) => {
        this.host.events.record('error', t.name, `restart failed: ${describeThrown(e)}`);
        this.setState(t, 'faulted');
      });
    }, delayMs);
    this.timers.add(timer);
  }
}
