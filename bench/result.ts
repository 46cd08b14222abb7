/**
 * The shape of a benchmark run's result: one row per measured path, the idle-CPU check and the
 * consistency checks. `--json` prints exactly this object.
 */
import type { Summary } from './stats';

export type Group = 'syscall' | 'driver' | 'library' | 'startup';

export interface Row {
  readonly group: Group;
  /** The path measured, e.g. "null syscall, sync transport, callSync" or "user thread, sync: read 16 B". */
  readonly name: string;
  readonly timing: 'per call' | 'batched';
  /** Microseconds per call or per operation. */
  readonly us: Summary;
  /** Name of the row this one's median is compared with (`ratio` = median / baseline median). */
  baseline?: string;
  ratio?: number;
  /** Syscalls per operation as the kernel counted them (user threads only). */
  readonly syscallsPerOp?: number;
  /** SPI transactions per operation (in-kernel driver, counted at its device interface). */
  readonly transactionsPerOp?: number;
  /** Data bytes the kernel copied per operation (IPC messages and replies, mem_copy): library rows. */
  readonly bytesCopiedPerOp?: number;
}

export interface IdleSample {
  readonly board: string;
  readonly transport: 'sync' | 'port';
  readonly driverThreads: number;
  readonly wallMs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Process CPU time over wall time, in percent of one core. */
  readonly percentOfCore: number;
  readonly ok: boolean;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface BenchResult {
  readonly tool: 'hilbridge-bench';
  readonly mode: 'full' | 'quick';
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly loadavg1: number;
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
  };
  readonly params: Readonly<Record<string, number>>;
  readonly rows: readonly Row[];
  readonly idle: readonly IdleSample[];
  /** Confined against unconfined, path by path (medians from the rows above). */
  readonly confinement: readonly ConfinementRow[];
  readonly checks: readonly Check[];
}

export interface ConfinementRow {
  /** The row name with the variant's transport in place of the confined/unconfined label. */
  readonly path: string;
  readonly timing: Row['timing'];
  readonly confinedUs: number;
  readonly unconfinedUs: number;
  /** confined / unconfined. */
  readonly ratio: number;
}
