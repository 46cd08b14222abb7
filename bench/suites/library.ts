/**
 * Suite 3, the library path: `hb.openEeprom('eeprom0').read(...)` from the kernel's process goes
 * host -> IPC -> the driver thread -> syscalls and back. One board is booted per driver-thread
 * transport and the two take turns, round by round; syscalls per operation are the driver
 * thread's counters over the timed runs (they include its ipc_receive and ipc_reply).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Hilbridge } from '../../src/host/hilbridge';
import type { Collector } from '../collect';
import { benchBoard } from '../kernel-session';
import { EEPROM_OPS, eepromOp, opLabel } from '../ops';
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

export async function librarySuite(p: Omit<DriverParams, 'prime'>, out: Collector): Promise<void> {
  const boards: ['sync' | 'port', Hilbridge][] = [];
  try {
    for (const transport of ['sync', 'port'] as const) boards.push([transport, await Hilbridge.boot({ board: benchBoard(), transport })]);
    // A thread that serves a device starts on first use: open the handles first, then measure.
    const clients = await Promise.all(boards.map(([, hb]) => hb.openEeprom('eeprom0')));
    for (let round = 0; round < p.rounds; round++) {
      for (const [i, [transport, hb]] of boards.entries()) {
        for (const op of EEPROM_OPS) {
          const before = await syscallsSoFar(hb);
          const copied = hb.stats().bytesCopied;
          const samples = await perCallAsync(p.reps, p.warmup, eepromOp(clients[i]!, op));
          const syscalls = (await syscallsSoFar(hb)) - before;
          const bytesCopied = hb.stats().bytesCopied - copied;
          out.add('library', `library -> driver thread (${transport}): ${opLabel(op)}`, 'per call', samples, { ops: p.reps + p.warmup, syscalls, bytesCopied });
        }
      }
    }
  } finally {
    await Promise.all(boards.map(([, hb]) => hb.shutdown()));
  }
}
