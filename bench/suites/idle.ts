/**
 * Idle check: boots the default board (all its driver threads, each blocked waiting for a
 * request) and measures the whole process's CPU time (process.cpuUsage covers every thread) over
 * an idle period. A kernel that polls instead of sleeping shows up as a large share of a core.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { boot } from '../../src/host/hilbridge';
import type { Check, IdleSample } from '../result';

/** Above this share of one core, an idle kernel counts as busy. */
export const IDLE_LIMIT_PERCENT = 10;

export interface IdleBoard {
  readonly file: string;
  readonly includeDirs: readonly string[];
  readonly serialPort?: string | undefined;
}

export async function idleSuite(board: IdleBoard, transports: readonly ('sync' | 'port')[], idleMs: number, checks: Check[]): Promise<IdleSample[]> {
  const out: IdleSample[] = [];
  for (const transport of transports) {
    const hb = await boot({ board: board.file, includeDirs: board.includeDirs, serialPort: board.serialPort, transport });
    try {
      // Driver threads start on first use: open every EEPROM so that all of them run.
      for (const d of hb.info().devices) if (d.servedBy) await hb.openEeprom(d.name);
      await sleep(250); // let every driver thread reach its blocking receive
      const driverThreads = hb.ps().filter((t) => t.state === 'running').length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(idleMs);
      const cpu = process.cpuUsage(c0);
      const wallMs = performance.now() - t0;
      const percentOfCore = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
      const sample: IdleSample = { board: board.file, transport, driverThreads, wallMs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, percentOfCore, ok: percentOfCore < IDLE_LIMIT_PERCENT };
      out.push(sample);
      checks.push({
        name: `idle kernel sleeps (${transport}, ${driverThreads} driver threads)`,
        ok: sample.ok && driverThreads > 0,
        detail: `${(cpu.user + cpu.system) / 1000} ms CPU in ${wallMs.toFixed(0)} ms (${percentOfCore.toFixed(2)}% of a core; limit ${IDLE_LIMIT_PERCENT}%)`,
      });
    } finally {
      await hb.shutdown();
    }
  }
  return out;
}
