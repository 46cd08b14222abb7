/**
 * Entry point of every user thread: the trusted first instructions of the worker. For a
 * confined thread the very first thing is SES: the library is loaded and `lockdown()` freezes
 * the shared intrinsics before any other module of the thread runs; then worker-main.ts builds
 * the runtime and loads the program (inside a Compartment, or with all of Node for the trusted,
 * unconfined benchmark and test programs).
 */
import { workerData } from 'node:worker_threads';
import type { Script } from 'node:vm';
import type { WorkerStart } from './worker-main';

const started = performance.now();
const start = workerData as WorkerStart;
let sesScript: Script | undefined;
if (start.boot.confined) {
  // Loaded only now, and only here: nothing else of the thread has run yet.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ses = require('./sandbox/ses') as typeof import('./sandbox/ses');
  sesScript = ses.loadSes(start.sesCache);
  ses.lockdownWorker();
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./worker-main') as typeof import('./worker-main')).run(start, sesScript, started);
