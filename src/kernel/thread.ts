/**
 * Kernel-side record of a user thread: its resolved spec (handles, not names), worker, memory
 * domain, grants, counters, state and fault history. The worker sees only the handles listed in
 * its boot info; everything here stays in the kernel.
 */
import type { Worker } from 'node:worker_threads';
import type { TransportKind } from '../abi/boot-info';
import type { RestartSpec } from '../abi/thread-spec';
import type { PartitionObject } from './kobjects';
import type { KObjectBase } from './objects';
import type { FaultPolicy } from './supervisor';

/**
 * dormant: declared, waiting for the first call to an endpoint it serves; starting, running;
 * then exited (main returned), faulted (stopped for a fault, no restart), restarting (waiting out
 * its backoff) or stopped (by shutdown).
 */
export type ThreadState = 'dormant' | 'starting' | 'running' | 'exited' | 'faulted' | 'restarting' | 'stopped';

export interface ThreadCounters {
  syscalls: number;
  denials: number;
  faults: number;
  restarts: number;
  /** Bytes moved on buses on this thread's behalf. */
  busBytes: number;
  /** report/log messages refused by the rate limit. */
  dropped: number;
  bySyscall: Record<string, number>;
}

export interface FaultRecord {
  readonly at: number;
  readonly syscall: string;
  readonly code: string;
  readonly reason: string;
}

/** A spawn request with every name resolved to a handle and every default applied. */
export interface ResolvedThread {
  readonly name: string;
  /** Absolute path of the program file. */
  readonly program: string;
  readonly grants: readonly number[];
  readonly partitions: readonly number[];
  readonly serves: readonly number[];
  readonly restart: RestartSpec;
  readonly transport: TransportKind;
  /** Polling window of the synchronous transport, both sides, in microseconds. */
  readonly spinUs: number;
  readonly privateBytes: number;
  readonly heapMb: number;
  readonly bufferMb: number;
  readonly start: 'boot' | 'on-demand';
  readonly confined: boolean;
  readonly args?: unknown;
}

export class UserThread implements KObjectBase {
  readonly type = 'thread' as const;
  handle = 0;
  state: ThreadState = 'dormant';
  worker: Worker | undefined;
  page: SharedArrayBuffer;
  /** Incremented at each (re)start: replies meant for an older incarnation are dropped. */
  incarnation = 0;
  readonly grants: Set<number>;
  readonly domain: Set<number>;
  readonly counters: ThreadCounters = { syscalls: 0, denials: 0, faults: 0, restarts: 0, busBytes: 0, dropped: 0, bySyscall: {} };
  readonly faults: FaultRecord[] = [];
  exitCode: number | undefined;
  startedAt = 0;
  /** Quick failures in a row, as the fault policy counts them. */
  streak = 0;
  /** Syscalls of this thread being served right now (the memory watchdog's "not blocked in the kernel"). */
  inSyscall = 0;
  /** Last heartbeat value read from the page, and when (kernel clock, ms) it last changed. */
  heartbeat = { value: -1, changedAt: 0 };
  /** Worker start to the program's first instruction, in ms (benchmarks). */
  readyMs: number | undefined;

  constructor(
    readonly spec: ResolvedThread,
    readonly privatePartition: PartitionObject,
    readonly policy: FaultPolicy,
    page: SharedArrayBuffer,
  ) {
    this.page = page;
    this.grants = new Set(spec.grants);
    this.domain = new Set([privatePartition.handle, ...spec.partitions]);
  }

  get name(): string {
    return this.spec.name;
  }

  get alive(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }
}
