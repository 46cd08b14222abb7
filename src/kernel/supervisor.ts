/**
 * Fault policies: what happens to a user thread after a fault. The kernel records the fault,
 * stops the thread and asks the thread's policy (as Tock's ProcessFaultPolicy, and Hubris's
 * supervisor task, keep that decision out of the kernel's core); the policy answers restart
 * after a delay, or stop. Policies are small stateless objects; the kernel keeps the per-thread
 * streak of quick failures the policy reads and updates.
 */
import type { RestartSpec } from '../abi/thread-spec';

export interface FaultContext {
  /** How long the thread ran before this fault, in milliseconds. */
  readonly ranMs: number;
  /** Consecutive quick failures before this one (as the policy last counted them). */
  readonly streak: number;
}

export type FaultDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly streak: number }
  | { readonly action: 'stop'; readonly why: string };

export interface FaultPolicy {
  /** A short description for `ps` and logs. */
  readonly describe: string;
  decide(f: FaultContext): FaultDecision;
}

export const NEVER_RESTART: FaultPolicy = Object.freeze({
  describe: 'never restart',
  decide: (): FaultDecision => ({ action: 'stop', why: 'its restart policy is "never"' }),
});

/** Default time a thread must run before a fault no longer counts as part of a crash loop. */
export const DEFAULT_MIN_RUN_MS = 10_000;

/**
 * Restart with exponential backoff: the n-th consecutive quick failure waits backoffMs · 2^n
 * (capped); after maxRestarts quick failures in a row the thread is held back. A thread that ran
 * at least minRunMs before failing was healthy: its streak, and so its backoff, start over.
 */
export function backoffPolicy(p: Exclude<RestartSpec, 'never'>): FaultPolicy {
  const minRun = p.minRunMs ?? DEFAULT_MIN_RUN_MS;
  const maxBackoff = p.maxBackoffMs ?? 60_000;
  return Object.freeze({
    describe: `restart with backoff ${p.backoffMs} ms, at most ${p.maxRestarts} quick failures in a row`,
    decide(f: FaultContext): FaultDecision {
      const streak = f.ranMs >= minRun ? 0 : f.streak;
      if (streak >= p.maxRestarts) return { action: 'stop', why: `${streak} restarts in a row failed within ${minRun} ms (the limit is ${p.maxRestarts})` };
      return { action: 'restart', delayMs: Math.min(p.backoffMs * 2 ** streak, maxBackoff), streak: streak + 1 };
    },
  });
}

export function policyFor(spec: RestartSpec | undefined): FaultPolicy {
  return spec === undefined || spec === 'never' ? NEVER_RESTART : backoffPolicy(spec);
}
