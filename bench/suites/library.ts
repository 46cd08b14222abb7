/**
 * Suite 3, the library path: `hb.openEeprom(DEV).read(...)` from the kernel's process goes
 * host -> IPC -> the driver thread -> syscalls and back. One board is booted per driver-thread
 * transport and the two take turns, round by round (on real hardware one after the other: a bus
 * is not opened twice); syscalls per operation are the driver thread's counters over the timed
 * runs (they include its ipc_receive and ipc_reply).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Hilbridge } from '../../src/host/hilbridge';
import { checkAbort, registerKernel, unregisterKernel } from '../abort';
import type { Collector } from '../collect';
import { eepromOp, opLabel } from '../ops';
import { perCallAsync } from '../timing';
import type { DriverParams } from './driver';

/**
 * The driver thread's syscalls so far, read once it is back in its blocking ipc_receive (after a
 * reply it issues the next receive on its own, which would otherwise land on either side of the
 * snapshot).
 */
async function syscallsSoFar(hb: Hilbridge): Promise<number> {
  await sleep(10);
  return hb.ps().reduce((n, t) => n + t.counters.syscalls, 0);
}

export interface LibraryBoard {
  readonly file: string;
  readonly includeDirs: readonly string[];
  readonly serialPort?: string | undefined;
  /** Both transports' boards may be booted at once (simulated buses only). */
  readonly concurrent: boolean;
}

export async function librarySuite(p: Omit<DriverParams, 'prime' | 'exact'>, board: LibraryBoard, out: Collector): Promise<void> {
  if (board.concurrent) return measure(p, board, ['sync', 'port'], p.rounds, out);
  // One board at a time; the transports alternate by whole runs of rounds.
  for (let round = 0; round < p.rounds; round++) for (const t of ['sync', 'port'] as const) await measure(p, board, [t], 1, out);
}

async function measure(p: Omit<DriverParams, 'prime' | 'exact'>, board: LibraryBoard, transports: readonly ('sync' | 'port')[], rounds: number, out: Collector): Promise<void> {
  const boards: ['sync' | 'port', Hilbridge][] = [];
  try {
    for (const transport of transports) {
      const hb = await Hilbridge.boot({ board: board.file, includeDirs: board.includeDirs, serialPort: board.serialPort, transport });
      registerKernel(hb.kernel);
      boards.push([transport, hb]);
    }
    // A thread that serves a device starts on first use: open the handles first, then measure.
    const clients = await Promise.all(boards.map(([, hb]) => hb.openEeprom(p.device)));
    for (let round = 0; round < rounds; round++) {
      for (const [i, [transport, hb]] of boards.entries()) {
        for (const op of p.ops) {
          const before = await syscallsSoFar(hb);
          const copied = hb.stats().bytesCopied;
          const run = eepromOp(clients[i]!, op);
          const samples = await perCallAsync(p.reps, p.warmup, () => (checkAbort(), run()));
          const syscalls = (await syscallsSoFar(hb)) - before;
          const bytesCopied = hb.stats().bytesCopied - copied;
          out.add('library', `library -> driver thread (${transport}): ${opLabel(op)}`, 'per call', samples, { ops: p.reps + p.warmup, syscalls, bytesCopied });
        }
      }
    }
  } finally {
    for (const [, hb] of boards) unregisterKernel(hb.kernel);
    await Promise.all(boards.map(([, hb]) => hb.shutdown()));
  }
}
