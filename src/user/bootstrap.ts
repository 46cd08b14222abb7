/**
 * Entry point of every user thread: the trusted first instructions of the worker. For a
 * confined thread the very first thing is SES: the library is loaded and `lockdown()` freezes
 * the shared intrinsics before any other module of the thread runs; then worker-main.ts builds
 * the runtime and loads the program (inside a Compartment, or with all of Node for the trusted,
 * unconfined benchmark and test programs).
 *
 * A spare (kernel/spare.ts) does the SES part ahead of need (making the V8 code cache of SES for
 * later workers when it was given none: that is also how the build makes the cache it keeps on
 * disk, kernel/ses-cache.ts), and becomes a thread when the kernel posts it the same start data a
 * new worker gets as workerData. No program code runs before that.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Script } from 'node:vm';
import type { WorkerStart } from './worker-main';

const started = performance.now();
const data = workerData as WorkerStart | { spare: true; sesCache?: Uint8Array | undefined };

function loadSes(cache: Uint8Array | undefined): Script {
  // Loaded only now, and only here: nothing else of the thread has run yet.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ses = require('./sandbox/ses') as typeof import('./sandbox/ses');
  const script = ses.loadSes(cache);
  ses.lockdownWorker();
  return script;
}

function run(start: WorkerStart, sesScript: Script | undefined, at: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./worker-main') as typeof import('./worker-main')).run(start, sesScript, at);
}

if ('spare' in data) {
  const sesScript = loadSes(data.sesCache);
  if (!data.sesCache) parentPort?.postMessage({ kind: 'ses-cache', data: new Uint8Array(sesScript.createCachedData()) });
  // The cache exists or was posted: an empty one tells worker-main not to make it again.
  parentPort?.once('message', (m: { start: WorkerStart }) => run({ ...m.start, sesCache: new Uint8Array(0) }, sesScript, performance.now()));
} else {
  run(data, data.boot.confined ? loadSes(data.sesCache) : undefined, started);
}
