/**
 * Benchmark program (user thread): runs the AT25 or AT24 driver on its granted device over
 * syscalls and times one EEPROM operation many times. The kernel side reads this thread's syscall counters
 * afterwards (syscalls per operation). Samples go into the samples partition; the report says
 * where.
 */
import type { UserRuntime } from '../../src/user/runtime';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { eepromOp } from '../ops';
import { type DriverReport, parseDriverArgs } from '../protocol';
import { SAMPLES_PARTITION, type SampleRef, SampleWriter } from '../samples';
import { perCallAsync } from '../timing';

export async function main(rt: UserRuntime): Promise<void> {
  const a = parseDriverArgs(rt.args);
  const cfg = rt.config(a.device);
  const dev = cfg.kind === 'at25' ? new At25Eeprom(rt.spi(a.device), cfg, rt.env) : new At24Eeprom(rt.i2c(a.device), cfg, rt.env);
  const samples = await perCallAsync(a.reps, a.warmup, eepromOp(dev, a.op));
  const sink = new SampleWriter(rt.memory.partition(SAMPLES_PARTITION).bytes);
  const report: DriverReport<SampleRef> = { kind: 'driver', transport: rt.sys.kind, samples: sink.put(samples), ops: a.reps + a.warmup, userSyscalls: { ...rt.sys.counts } };
  await rt.report(report);
}
