/**
 * Benchmark program (user thread) for the scale and tail suites: waits for the start flag in the
 * control partition, then repeats one operation back to back (a null syscall, or a read through
 * the AT25/AT24 driver on its granted device) until the stop flag is set, timing every operation.
 * Several copies run at once, each writing its samples into its own region of the samples
 * partition; the report gives the count of operations completed between the two flags.
 */
import { HilError } from '../../src/abi/errno';
import type { UserRuntime } from '../../src/user/runtime';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { CTL_PARTITION, CTL_READY, CTL_START, CTL_STOP, type LoopReport, parseLoopArgs } from '../protocol';
import { SAMPLES_PARTITION } from '../samples';

export async function main(rt: UserRuntime): Promise<void> {
  const a = parseLoopArgs(rt.args);
  const ctlBytes = rt.memory.partition(CTL_PARTITION).bytes;
  const flags = new Int32Array(ctlBytes.buffer, ctlBytes.byteOffset, 4);
  const part = rt.memory.partition(SAMPLES_PARTITION).bytes;
  const all = new Float64Array(part.buffer, part.byteOffset, Math.floor(part.byteLength / 8));
  if (a.at < 0 || a.at + a.capacity > all.length) throw new HilError('EINVAL', 'loop program: sample region outside the samples partition');
  const samples = all.subarray(a.at, a.at + a.capacity);
  let op: () => Promise<unknown>;
  if (a.op === 'null') {
    op = () => rt.sys.call('null');
  } else {
    const dev = a.device ?? '';
    const cfg = rt.config(dev);
    const drv = cfg.kind === 'at25' ? new At25Eeprom(rt.spi(dev), cfg, rt.env) : new At24Eeprom(rt.i2c(dev), cfg, rt.env);
    const buf = rt.memory.alloc(a.len);
    op = () => drv.readInto(a.offset, buf);
  }
  for (let i = 0; i < a.warmup; i++) await op();
  Atomics.add(flags, CTL_READY, 1);
  while (Atomics.load(flags, CTL_START) === 0) await rt.env.sleepUs(200);
  let n = 0;
  while (Atomics.load(flags, CTL_STOP) === 0) {
    const t0 = performance.now();
    await op();
    const dt = (performance.now() - t0) * 1000;
    if (n < a.capacity) samples[n] = dt;
    n++;
  }
  const report: LoopReport = { kind: 'loop', count: n, recorded: Math.min(n, a.capacity), at: a.at };
  await rt.report(report);
}
