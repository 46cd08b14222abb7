/**
 * Stopping a run early (Ctrl-C, SIGTERM, SIGHUP) without leaving a chip changed: the first signal
 * marks the run aborted and stops every user thread of every kernel the benchmark has booted (a
 * thread in the middle of a page write finishes that page in the kernel, then its worker is gone);
 * in-kernel loops check the mark before each operation. The suites unwind, their kernels shut
 * down, and the scratch guard (bench/scratch.ts) puts the saved bytes and status back.
 */
import { HilError } from '../src/abi/errno';
import type { Kernel } from '../src/kernel/kernel';

const live = new Set<Kernel>();
let signal: string | undefined;

export class Interrupted extends HilError {
  constructor(readonly signal: string) {
    super('ECANCELED', `interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export function registerKernel(k: Kernel): void {
  live.add(k);
}

export function unregisterKernel(k: Kernel): void {
  live.delete(k);
}

/** The signal that stopped the run, if one did. */
export function abortedBy(): string | undefined {
  return signal;
}

export function checkAbort(): void {
  if (signal) throw new Interrupted(signal);
}

/** Marks the run aborted and stops every live user thread. */
export function abort(sig: string): void {
  if (signal) return;
  signal = sig;
  for (const k of live) {
    for (const t of k.ps()) {
      if (t.state === 'running' || t.state === 'starting') void k.stopThread(t.name, `benchmark interrupted by ${sig}`).catch(() => undefined);
    }
  }
}
