/**
 * What the kernel-side suites pass to the benchmark programs (spawn `args`) and what the programs
 * send back with `rt.report()`, with the checks that narrow the untyped data crossing the thread
 * boundary.
 */
import { HilError } from '../src/abi/errno';
import { isOpSpec, type OpSpec } from './ops';
import { isSampleRef, readSamples, type SampleRef } from './samples';

export interface NullArgs {
  readonly perCall: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly warmup: number;
  /** Also time a direct in-process function call in this thread (the baseline). */
  readonly direct: boolean;
  /** How the rows name this thread's transport (default: the transport kind). */
  readonly label?: string | undefined;
}

/** One timing series from a program: a name, how it was timed, and its samples in µs. */
export interface Series<S = Float64Array> {
  readonly name: string;
  readonly timing: 'per call' | 'batched';
  readonly samples: S;
}

export interface NullReport<S = Float64Array> {
  readonly kind: 'null';
  readonly transport: 'sync' | 'port';
  readonly series: readonly Series<S>[];
  /** null syscalls the program made (warm-up included), for comparison with the kernel's count. */
  readonly calls: number;
  /** Keeps the direct-call loop from being optimised away; meaningless otherwise. */
  readonly sink: number;
}

export interface DriverArgs {
  readonly device: string;
  readonly op: OpSpec;
  readonly reps: number;
  readonly warmup: number;
}

export interface DriverReport<S = Float64Array> {
  readonly kind: 'driver';
  readonly transport: 'sync' | 'port';
  readonly samples: S;
  /** Operations run, warm-up included: the divisor for syscalls per operation. */
  readonly ops: number;
  /** Syscalls the program made, by name (user-side count). */
  readonly userSyscalls: Readonly<Record<string, number>>;
}

const isInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

export function parseNullArgs(x: unknown): NullArgs {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (!isInt(o.perCall) || !isInt(o.blocks) || !isInt(o.blockSize) || !isInt(o.warmup) || typeof o.direct !== 'boolean') {
    throw new HilError('EINVAL', 'null-syscall program: args must be { perCall, blocks, blockSize, warmup, direct }');
  }
  const label = typeof o.label === 'string' ? o.label : undefined;
  return { perCall: o.perCall, blocks: o.blocks, blockSize: o.blockSize, warmup: o.warmup, direct: o.direct, label };
}

export function parseDriverArgs(x: unknown): DriverArgs {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (typeof o.device !== 'string' || !isOpSpec(o.op) || !isInt(o.reps) || !isInt(o.warmup)) {
    throw new HilError('EINVAL', 'eeprom-ops program: args must be { device, op: { kind, offset, len }, reps, warmup }');
  }
  return { device: o.device, op: o.op, reps: o.reps, warmup: o.warmup };
}

function isSeries(x: unknown): x is Series<SampleRef> {
  const o = x as Record<string, unknown>;
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && (o.timing === 'per call' || o.timing === 'batched') && isSampleRef(o.samples);
}

/** A null-syscall report with its samples copied out of the samples partition. */
export function asNullReport(x: unknown, samples: Uint8Array): NullReport {
  const o = x as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.kind !== 'null' || !Array.isArray(o.series) || !o.series.every(isSeries) || !isInt(o.calls)) {
    throw new HilError('EPROTO', 'null-syscall program sent a malformed report');
  }
  const r = x as NullReport<SampleRef>;
  return { ...r, series: r.series.map((s) => ({ ...s, samples: readSamples(samples, s.samples) })) };
}

export function asDriverReport(x: unknown, samples: Uint8Array): DriverReport {
  const o = x as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.kind !== 'driver' || !isSampleRef(o.samples) || !isInt(o.ops)) {
    throw new HilError('EPROTO', 'eeprom-ops program sent a malformed report');
  }
  const r = x as DriverReport<SampleRef>;
  return { ...r, samples: readSamples(samples, r.samples) };
}

/** The control partition of the scale and tail suites: int32 flags the kernel side sets. */
export const CTL_PARTITION = 'bench-ctl';
export const CTL_BYTES = 4096;
export const CTL_START = 0;
export const CTL_STOP = 1;
/** Threads that finished their warm-up and wait for the start flag. */
export const CTL_READY = 2;

export interface LoopArgs {
  readonly op: 'null' | 'read';
  /** The device a read goes to (granted to the thread). */
  readonly device?: string | undefined;
  readonly offset: number;
  readonly len: number;
  readonly warmup: number;
  /** Where this thread's samples go in the samples partition (float64 index) and how many fit. */
  readonly at: number;
  readonly capacity: number;
}

export interface LoopReport {
  readonly kind: 'loop';
  /** Operations completed between the start and stop flags. */
  readonly count: number;
  /** Samples written (the first `recorded` operations). */
  readonly recorded: number;
  readonly at: number;
}

export function parseLoopArgs(x: unknown): LoopArgs {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if ((o.op !== 'null' && o.op !== 'read') || !isInt(o.offset) || !isInt(o.len) || !isInt(o.warmup) || !isInt(o.at) || !isInt(o.capacity)) {
    throw new HilError('EINVAL', 'loop program: args must be { op, device?, offset, len, warmup, at, capacity }');
  }
  if (o.op === 'read' && typeof o.device !== 'string') throw new HilError('EINVAL', 'loop program: a read needs a device');
  return { op: o.op, device: typeof o.device === 'string' ? o.device : undefined, offset: o.offset, len: o.len, warmup: o.warmup, at: o.at, capacity: o.capacity };
}

export function asLoopReport(x: unknown): LoopReport {
  const o = x as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.kind !== 'loop' || !isInt(o.count) || !isInt(o.recorded) || !isInt(o.at)) {
    throw new HilError('EPROTO', 'loop program sent a malformed report');
  }
  return { kind: 'loop', count: o.count, recorded: o.recorded, at: o.at };
}

export interface CallJob {
  readonly op: 'read' | 'write';
  readonly offset: number;
  readonly len: number;
  readonly reps: number;
  readonly warmup: number;
}

export interface CallArgs {
  /** driver: the driver in this thread (placement c); ipc: one call to the device's service per operation (placement b). */
  readonly mode: 'driver' | 'ipc';
  readonly device: string;
  /** Run in order, each timed separately. */
  readonly jobs: readonly CallJob[];
}

export interface CallReport<S = SampleRef> {
  readonly kind: 'call';
  /** One series per job. */
  readonly series: readonly S[];
  /** Syscalls per operation of each job (user-side count, warm-up included). */
  readonly syscallsPerOp: readonly number[];
}

function isJob(x: unknown): x is CallJob {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  return (o.op === 'read' || o.op === 'write') && isInt(o.offset) && isInt(o.len) && o.len > 0 && isInt(o.reps) && isInt(o.warmup);
}

export function parseCallArgs(x: unknown): CallArgs {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if ((o.mode !== 'driver' && o.mode !== 'ipc') || typeof o.device !== 'string' || !Array.isArray(o.jobs) || !o.jobs.every(isJob)) {
    throw new HilError('EINVAL', 'eeprom-call program: args must be { mode, device, jobs: [{ op, offset, len, reps, warmup }] }');
  }
  return { mode: o.mode, device: o.device, jobs: o.jobs };
}

export function asCallReport(x: unknown, samples: Uint8Array): CallReport<Float64Array> {
  const o = x as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.kind !== 'call' || !Array.isArray(o.series) || !o.series.every(isSampleRef) || !Array.isArray(o.syscallsPerOp) || !o.syscallsPerOp.every((n) => typeof n === 'number')) {
    throw new HilError('EPROTO', 'eeprom-call program sent a malformed report');
  }
  return { kind: 'call', series: o.series.map((r) => readSamples(samples, r)), syscallsPerOp: o.syscallsPerOp as number[] };
}

export interface TailsArgs {
  readonly device: string;
  readonly reps: number;
  readonly warmup: number;
}

export interface TailsReport<S = SampleRef> {
  readonly kind: 'tails';
  /** Wall-clock start of each read, ms (performance.timeOrigin + now). */
  readonly starts: S;
  readonly us: S;
  /** This thread's collections: start (wall clock, ms) and duration (ms), interleaved. */
  readonly gc: S;
}

export function parseTailsArgs(x: unknown): TailsArgs {
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (typeof o.device !== 'string' || !isInt(o.reps) || !isInt(o.warmup)) throw new HilError('EINVAL', 'tails program: args must be { device, reps, warmup }');
  return { device: o.device, reps: o.reps, warmup: o.warmup };
}

export function asTailsReport(x: unknown, samples: Uint8Array): TailsReport<Float64Array> {
  const o = x as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.kind !== 'tails' || !isSampleRef(o.starts) || !isSampleRef(o.us) || !isSampleRef(o.gc)) {
    throw new HilError('EPROTO', 'tails program sent a malformed report');
  }
  return { kind: 'tails', starts: readSamples(samples, o.starts), us: readSamples(samples, o.us), gc: readSamples(samples, o.gc) };
}
