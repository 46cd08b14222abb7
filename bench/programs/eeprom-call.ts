/**
 * Benchmark program (user thread) for the whole-part and cost-growth suites: times EEPROM
 * operations (reads or writes of a given length and offset, one job after another) in one of two
 * placements:
 *
 * - `driver`: the AT25 or AT24 driver runs in this thread, every bus transaction a syscall
 *   (placement c, the seed's proposal);
 * - `ipc`: this thread calls the device's EEPROM service, served by the driver in the kernel, with
 *   one `ipc_call` per operation lending the whole buffer (placement b, Zephyr's design).
 *
 * Writes skip the read-back (verify off) in both, so the figure is the write itself.
 */
import { EEPROM_IFACE } from '../../src/abi/eeprom-iface';
import { connect } from '../../src/user/ipc';
import type { UserRuntime } from '../../src/user/runtime';
import type { Eeprom } from '../../src/userdrivers/eeprom';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { type CallJob, type CallReport, parseCallArgs } from '../protocol';
import { SAMPLES_PARTITION, type SampleRef, SampleWriter } from '../samples';
import { perCallAsync } from '../timing';

export async function main(rt: UserRuntime): Promise<void> {
  const a = parseCallArgs(rt.args);
  const longest = Math.max(...a.jobs.map((j) => j.len));
  const buf = rt.memory.alloc(longest);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 7 + 3) & 0xff;
  let drv: Eeprom | undefined;
  if (a.mode === 'driver') {
    const cfg = rt.config(a.device);
    drv = cfg.kind === 'at25' ? new At25Eeprom(rt.spi(a.device), cfg, rt.env) : new At24Eeprom(rt.i2c(a.device), cfg, rt.env);
  }
  const eeprom = a.mode === 'ipc' ? connect(rt, a.device, EEPROM_IFACE) : undefined;
  const opOf = (j: CallJob): (() => Promise<unknown>) => {
    const data = buf.subarray(0, j.len);
    if (drv) return j.op === 'read' ? () => drv.readInto(j.offset, data) : () => drv.write(j.offset, data, { verify: false });
    const e = eeprom!;
    return j.op === 'read'
      ? () => e.read({ offset: j.offset, length: j.len }, { data })
      : () => e.write({ offset: j.offset, length: j.len, flags: 0, spanOffset: j.offset, spanLength: j.len }, { data });
  };
  const out = new SampleWriter(rt.memory.partition(SAMPLES_PARTITION).bytes);
  const total = (): number => Object.values(rt.sys.counts).reduce((n: number, c) => n + (c ?? 0), 0);
  const series: SampleRef[] = [];
  const syscallsPerOp: number[] = [];
  for (const j of a.jobs) {
    const before = total();
    series.push(out.put(await perCallAsync(j.reps, j.warmup, opOf(j))));
    syscallsPerOp.push((total() - before) / (j.reps + j.warmup));
  }
  const report: CallReport = { kind: 'call', series, syscallsPerOp };
  await rt.report(report);
}
