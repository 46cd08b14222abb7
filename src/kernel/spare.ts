/**
 * A spare confined worker, started ahead of need: it runs only the trusted bootstrap (loads SES
 * with the build's code cache, or makes that cache for later workers when there is none, and
 * locks the worker down) and then waits for the boot info of the thread it will become. A one-shot command (the CLI's `read`) starts one as its
 * very first action, so that the worker's start, which costs more than anything else in such a
 * command, overlaps loading the command's modules, parsing the board and booting the kernel; the
 * kernel's next confined thread adopts it instead of starting a worker of its own.
 *
 * Nothing is shared with the thread it becomes except what a fresh worker also has: the program
 * has not run, and the boot info, memory and port arrive by message exactly as they would arrive
 * in workerData. A spare whose start failed, or that is not taken, is simply not used (a worker
 * of its own is started instead); one that is never taken is stopped at process exit.
 */
import { Worker } from 'node:worker_threads';
import { distModule } from './paths';
import { diskSesCache } from './ses-cache';

/** What the bootstrap of a spare receives as workerData. */
export interface SpareStart {
  readonly spare: true;
  /** The SES code cache to load with; without one the spare makes one and posts it. */
  readonly sesCache?: Uint8Array | undefined;
}

/** The heap limit a spare is started with: the default of a thread (kernel.ts DEFAULT_HEAP_MB). */
export const SPARE_HEAP_MB = 128;

interface Spare {
  readonly worker: Worker;
  /** The code cache of SES the spare made while it waited, if it is there yet. */
  sesCache: Uint8Array | undefined;
  failed: boolean;
}

let spare: Spare | undefined;

/** Starts the spare (at most one). Safe to call when dist/ is missing: then nothing happens. */
export function startSpareWorker(): void {
  if (spare) return;
  let worker: Worker;
  try {
    worker = new Worker(distModule('user/bootstrap'), {
      workerData: { spare: true, sesCache: diskSesCache() } satisfies SpareStart,
      name: 'hilbridge-spare',
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: SPARE_HEAP_MB },
    });
  } catch {
    return;
  }
  const s: Spare = { worker, sesCache: undefined, failed: false };
  worker.on('message', (m: unknown) => {
    const data = typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'ses-cache' ? (m as { data?: unknown }).data : undefined;
    if (data instanceof Uint8Array) s.sesCache = data;
  });
  worker.on('error', () => {
    s.failed = true;
  });
  worker.on('exit', () => {
    s.failed = true;
    if (spare === s) spare = undefined;
  });
  // A spare alone must not keep the process alive.
  worker.unref();
  spare = s;
}

/**
 * The spare, if there is one that can become a thread with these limits; it is handed over with
 * no listeners of the kernel's attached, and it is the caller's from then on.
 */
export function takeSpareWorker(heapMb: number): { worker: Worker; sesCache: Uint8Array | undefined } | undefined {
  const s = spare;
  if (!s || s.failed || heapMb !== SPARE_HEAP_MB) return undefined;
  spare = undefined;
  s.worker.removeAllListeners('message');
  s.worker.removeAllListeners('error');
  s.worker.removeAllListeners('exit');
  s.worker.ref();
  return { worker: s.worker, sesCache: s.sesCache };
}

/** Stops an untaken spare (tests). */
export async function stopSpareWorker(): Promise<void> {
  const s = spare;
  spare = undefined;
  if (s) await s.worker.terminate();
}
