/**
 * Worker of the wake-up suite (bench/suites/wake.ts): sleeps in `Atomics.wait` for each sample and,
 * woken, acknowledges it by storing its number (no notify: the main thread spins for it).
 */
import { workerData } from 'node:worker_threads';
import { WAKE_ACK, WAKE_ARMED, WAKE_SEQ } from './suites/wake';

const ia = new Int32Array(workerData as SharedArrayBuffer);
for (let seq = 0; seq >= 0; ) {
  Atomics.store(ia, WAKE_ARMED, seq + 1);
  Atomics.wait(ia, WAKE_SEQ, seq);
  seq = Atomics.load(ia, WAKE_SEQ);
  Atomics.store(ia, WAKE_ACK, seq);
}
