/**
 * Suite 1, syscall overhead: the `null` syscall over the synchronous transport (callSync and
 * await call) and over the MessagePort transport, next to a direct function call in the same
 * worker thread. Each transport runs in its own user thread, once per round; the kernel's syscall
 * counter for that thread must equal the number of calls the program made.
 */
import type { Kernel } from '../../src/kernel/kernel';
import type { Collector } from '../collect';
import { runProgram } from '../kernel-session';
import { asNullReport, type NullArgs } from '../protocol';
import type { Check } from '../result';
import { slug, spawnOptionsOf, USER_VARIANTS } from '../variants';

/** Per round: calls timed one by one, blocks of blockSize calls, and untimed warm-up calls. */
export interface SyscallParams extends Omit<NullArgs, 'direct'> {
  readonly rounds: number;
  /** A device to grant the programs (the null syscall touches none; a thread needs some grant to be useful). */
  readonly device: string;
}

export async function syscallSuite(k: Kernel, p: SyscallParams, out: Collector, checks: Check[]): Promise<void> {
  const tally = new Map(USER_VARIANTS.map((v) => [v.label, { made: 0, counted: 0, total: 0 }]));
  for (let round = 0; round < p.rounds; round++) {
    for (const [i, v] of USER_VARIANTS.entries()) {
      const args: NullArgs = { perCall: p.perCall, blocks: p.blocks, blockSize: p.blockSize, warmup: p.warmup, direct: i === 0, label: v.label };
      const name = `bench-null-${slug(v)}-${round}`;
      const { report, info, samples } = await runProgram(k, 'null-syscall', { name, grants: [p.device], ...spawnOptionsOf(v), args });
      const r = asNullReport(report, samples);
      out.add('startup', `worker start to ready, ${v.label}`, 'per call', Float64Array.of((info.readyMs ?? 0) * 1000));
      for (const s of r.series) out.add('syscall', s.name, s.timing, s.samples);
      const t = tally.get(v.label)!;
      t.made += r.calls;
      t.counted += info.bySyscall['null'] ?? 0;
      t.total += info.counters.syscalls - (info.bySyscall['report'] ?? 0);
    }
  }
  for (const [label, t] of tally) {
    checks.push({
      name: `kernel counts every null syscall (${label})`,
      ok: t.made > 0 && t.counted === t.made && t.total === t.made,
      detail: `programs made ${t.made}, kernel counted ${t.counted} null and ${t.total} in all (besides each program's one report)`,
    });
  }
}
