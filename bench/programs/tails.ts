/**
 * Benchmark program (unconfined user thread) for the tail suite: reads 16 bytes through the AT25
 * driver many times back to back, recording when each read started and how long it took, and
 * every garbage collection of this thread (perf_hooks), on the wall clock shared by all threads
 * (performance.timeOrigin + now), so the kernel side can tell which slow reads overlapped a
 * collection here or in the kernel. Unconfined because a confined program has no perf_hooks.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { UserRuntime } from '../../src/user/runtime';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { type TailsReport, parseTailsArgs } from '../protocol';
import { SAMPLES_PARTITION, SampleWriter } from '../samples';

export async function main(rt: UserRuntime): Promise<void> {
  const a = parseTailsArgs(rt.args);
  const cfg = rt.config(a.device);
  if (cfg.kind !== 'at25') throw new Error(`${a.device} is not an AT25`);
  const drv = new At25Eeprom(rt.spi(a.device), cfg, rt.env);
  const buf = rt.memory.alloc(16);
  const gcs: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(performance.timeOrigin + e.startTime, e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < a.warmup; i++) await drv.readInto(0x100, buf);
  const starts = new Float64Array(a.reps);
  const us = new Float64Array(a.reps);
  const origin = performance.timeOrigin;
  for (let i = 0; i < a.reps; i++) {
    const t0 = performance.now();
    await drv.readInto(0x100, buf);
    const t1 = performance.now();
    starts[i] = origin + t0;
    us[i] = (t1 - t0) * 1000;
  }
  await new Promise((r) => setTimeout(r, 20)); // the observer's last entries
  obs.disconnect();
  const out = new SampleWriter(rt.memory.partition(SAMPLES_PARTITION).bytes);
  const report: TailsReport = { kind: 'tails', starts: out.put(starts), us: out.put(us), gc: out.put(Float64Array.from(gcs)) };
  await rt.report(report);
}
