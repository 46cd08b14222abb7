/**
 * The description of a user thread by names, as a board's `hilbridge,threads` node or a caller of
 * `Kernel.spawn` gives it: the one declarative shape. The devicetree produces it, the kernel
 * resolves its names into handles (its private thread record), hands the thread its `BootInfo`,
 * and shows it as `ThreadInfo`. Plain data; no kernel state.
 */
import type { TransportKind } from './boot-info';

/** What happens after a fault: never restart, or restart with exponential backoff. */
export type RestartSpec =
  | 'never'
  | {
      /** Consecutive quick failures tolerated before the thread is held back. */
      readonly maxRestarts: number;
      /** First delay; doubled for every consecutive quick failure. */
      readonly backoffMs: number;
      readonly maxBackoffMs?: number | undefined;
      /** A thread that ran at least this long before its fault counts as healthy: its backoff starts over. */
      readonly minRunMs?: number | undefined;
    };

export interface ThreadLimits {
  /** JS heap of the thread's isolate (old generation), in MiB. */
  readonly heapMb?: number | undefined;
  /** ArrayBuffer memory the thread may hold (typed arrays, Buffers), in MiB. */
  readonly bufferMb?: number | undefined;
}

export interface SpawnOptions {
  readonly name: string;
  /** Devices and GPIO lines (labels or paths) the thread may use through bus and GPIO syscalls. */
  readonly grants?: readonly string[] | undefined;
  /** Devices whose endpoint (their driver thread's service) the thread may call. */
  readonly calls?: readonly string[] | undefined;
  /** Named partitions added to the thread's memory domain. */
  readonly partitions?: readonly string[] | undefined;
  /** Device names whose IPC endpoint this thread serves. */
  readonly serves?: readonly string[] | undefined;
  readonly restart?: RestartSpec | undefined;
  readonly transport?: TransportKind | undefined;
  /**
   * Synchronous transport: microseconds each side polls before sleeping (default 100, 0 to 1000).
   * Back-to-back syscalls then cost a few microseconds instead of two scheduler wake-ups.
   */
  readonly syscallSpinUs?: number | undefined;
  /** Size of the thread's private partition in bytes. */
  readonly privateBytes?: number | undefined;
  readonly limits?: ThreadLimits | undefined;
  /**
   * "boot": started at once; "on-demand": started by the first call to an endpoint it serves
   * (default for threads that serve endpoints and were declared by a board).
   */
  readonly start?: 'boot' | 'on-demand' | undefined;
  /**
   * Run the program confined (SES lockdown + a Compartment, the default). `false` runs it with all
   * of Node, as trusted code: only for benchmarks of what confinement costs and kernel tests.
   */
  readonly confined?: boolean | undefined;
  /** Plain data handed to the program (`rt.args`). */
  readonly args?: unknown;
}

export interface ThreadSpec extends SpawnOptions {
  /** A built-in program name (e.g. "eeprom-server") or a path to a CommonJS file. */
  readonly program: string;
}
