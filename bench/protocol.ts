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
  if (!isOpSpec(o.op) || !isInt(o.reps) || !isInt(o.warmup)) {
    throw new HilError('EINVAL', 'eeprom-ops program: args must be { op: { kind, offset, len }, reps, warmup }');
  }
  return { op: o.op, reps: o.reps, warmup: o.warmup };
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
