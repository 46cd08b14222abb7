/**
 * The shape of a benchmark run's result: one row per measured path, the whole-part, growth,
 * scale, tail, memory, command-line and serprog sections, the idle-CPU check, the consistency
 * checks, the targets with their verdicts, and the `summary` the issue asks for. `--json` prints
 * exactly this object; every figure carries `ranOn` (board, device, backend, clock, bus timing,
 * Node version, CPU).
 */
import type { Summary } from './stats';
import type { ColdStart } from './suites/cli';
import type { RssResult } from './suites/rss';
import type { WakeResult } from './suites/wake';
import type { ScalePoint } from './suites/scale';
import type { SerprogResult } from './suites/serprog';
import type { TailsResult } from './suites/tails';
import type { GrowthSeries, WholePartRow } from './suites/wholepart';
import type { RanOn } from './target';

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
  /** Percentiles 0, 1, …, 100 of the samples (the latency distribution the charts draw). */
  readonly percentiles?: readonly number[];
  ranOn?: RanOn;
}

export interface IdleSample {
  readonly ranOn?: RanOn;
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
    /** 1-minute load average when the run ended. */
    readonly loadavg1End?: number;
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
  };
  /** The board the run measured, its devices, and the command line. */
  readonly target: {
    readonly board: string;
    readonly boardFile: string;
    readonly devices: readonly { readonly name: string; readonly part: string; readonly backend: string; readonly clockHz: number; readonly simulated: boolean }[];
    readonly skipped: readonly string[];
    readonly argv: readonly string[];
    /** The range each device was written in (write rows run only there), if any. */
    readonly scratch: readonly { readonly device: string; readonly offset: number; readonly length: number }[];
  };
  readonly params: Readonly<Record<string, number>>;
  readonly suites: readonly string[];
  readonly rows: readonly Row[];
  readonly wholePart: readonly WholePartRow[];
  readonly growth: readonly GrowthSeries[];
  readonly scale: readonly (ScalePoint & { readonly ranOn: RanOn })[];
  readonly tails: readonly (TailsResult & { readonly ranOn: RanOn })[];
  readonly rss?: (RssResult & { readonly ranOn: RanOn }) | undefined;
  /** What waking a sleeping thread costs on this machine (bench/suites/wake.ts). */
  readonly wake?: (WakeResult & { readonly ranOn: RanOn }) | undefined;
  readonly cli?: (ColdStart & { readonly ranOn: RanOn }) | undefined;
  readonly serprog?: (SerprogResult & { readonly ranOn: RanOn }) | undefined;
  /** Suites that could not run here, and why. */
  readonly skipped: readonly { readonly suite: string; readonly why: string }[];
  readonly idle: readonly IdleSample[];
  /** Confined against unconfined, path by path (medians from the rows above). */
  readonly confinement: readonly ConfinementRow[];
  readonly checks: readonly Check[];
  readonly targets: readonly Target[];
  readonly summary: Summary_;
}

/** A target of the issue, with what this run measured against it. */
export interface Target {
  readonly name: string;
  /** What was measured, in the goal's unit; undefined when the run did not measure it. */
  readonly value: number | undefined;
  /** e.g. "<= 5 µs". */
  readonly goal: string;
  readonly met: boolean | undefined;
  /** How far off, in words, when missed. */
  readonly gap?: string | undefined;
}

type Trio<K extends string> = { readonly [P in K]: number | null };

/** The figures the issue names, each null when this run did not measure it. */
export interface Summary_ {
  readonly nullSyscallUs: Trio<'direct' | 'sharedMemory' | 'messagePort'>;
  readonly nullSyscallP99Us: Trio<'direct' | 'sharedMemory' | 'messagePort'>;
  readonly readRatioUntimed: Trio<'subsystemSyscall' | 'sharedMemory' | 'messagePort'>;
  readonly readRatioTimed: Trio<'subsystemSyscall' | 'sharedMemory' | 'messagePort'>;
  readonly busLimitFractionTimed: Trio<'inKernel' | 'sharedMemory'>;
  readonly rssPerIdleThreadMiB: number | null;
  readonly scale: { readonly threads: readonly number[]; readonly aggregateOpsPerSec: readonly number[]; readonly fairness: readonly number[] };
  readonly scaleSharedBus: { readonly threads: readonly number[]; readonly aggregateOpsPerSec: readonly number[]; readonly fairness: readonly number[] };
  readonly cliColdStartMs: number | null;
  readonly nodeBareStartMs: number | null;
  readonly serprogReadRatio: number | null;
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
