/**
 * Kernel-side record of a user thread: its worker, memory domain, grants, counters and state.
 *
 * The worker sees only the handles listed in its boot info; everything here stays in the kernel.
 */
import type { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { TransportKind } from '../abi/boot-info';
import type { KObjectBase } from './objects';
import type { PartitionObject } from './kobjects';

export type RestartPolicy = 'never' | { readonly maxRestarts: number; readonly backoffMs: number; readonly maxBackoffMs?: number };

export type ThreadState = 'starting' | 'running' | 'exited' | 'faulted' | 'restarting' | 'stopped';

export interface ThreadCounters {
  syscalls: number;
  denials: number;
  faults: number;
  restarts: number;
  /** Bytes moved on buses on this thread's behalf. */
  busBytes: number;
  bySyscall: Record<string, number>;
}

export interface FaultRecord {
  readonly at: number;
  readonly syscall: string;
  readonly code: string;
  readonly reason: string;
}

export interface ThreadSpec {
  readonly name: string;
  readonly program: string;
  readonly grants: readonly number[];
  readonly partitions: readonly number[];
  readonly serves: readonly number[];
  readonly restart: RestartPolicy;
  readonly transport: TransportKind;
  /** Polling window of the synchronous transport, both sides, in microseconds. */
  readonly spinUs: number;
  readonly privateBytes: number;
  readonly resourceLimits?: ResourceLimits | undefined;
  readonly args?: unknown;
}

export class UserThread implements KObjectBase {
  readonly type = 'thread' as const;
  handle = 0;
  state: ThreadState = 'starting';
  worker: Worker | undefined;
  page: SharedArrayBuffer;
  /** Incremented at each (re)start: replies meant for an older incarnation are dropped. */
  incarnation = 0;
  readonly grants: Set<number>;
  readonly domain: Set<number>;
  readonly counters: ThreadCounters = { syscalls: 0, denials: 0, faults: 0, restarts: 0, busBytes: 0, bySyscall: {} };
  readonly faults: FaultRecord[] = [];
  exitCode: number | undefined;
  startedAt = 0;

  constructor(
    readonly spec: ThreadSpec,
    readonly privatePartition: PartitionObject,
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
