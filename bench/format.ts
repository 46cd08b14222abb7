/**
 * The human-readable report: one table per group with medians, tails, ratios and syscall counts,
 * then the idle check and the consistency checks.
 */
import type { BenchResult, Group, Row } from './result';

const TITLES: Record<Group, string> = {
  syscall: '1. Syscall overhead (ratio: against the direct function call timed the same way)',
  driver: '2. AT25 driver, user thread vs in kernel (ratio: against the in-kernel driver)',
  library: '3. Library path: openEeprom().read/write (ratio: against the in-kernel driver; cp = bytes the kernel copied per op)',
  startup: '5. User thread start to ready (worker start until the program runs; one sample per program started)',
};

/** Microseconds with precision that suits their size. */
export function us(x: number): string {
  if (x < 1) return x.toFixed(3);
  if (x < 100) return x.toFixed(1);
  return x.toFixed(0);
}

function ratio(x: number | undefined): string {
  if (x === undefined) return '';
  if (x < 10) return `${x.toFixed(2)}x`;
  return `${x.toFixed(0)}x`;
}

function perOp(r: Row): string {
  const cp = r.bytesCopiedPerOp !== undefined ? ` ${+r.bytesCopiedPerOp.toFixed(1)} cp` : '';
  if (r.syscallsPerOp !== undefined) return `${+r.syscallsPerOp.toFixed(2)} sc${cp}`;
  if (r.transactionsPerOp !== undefined) return `${+r.transactionsPerOp.toFixed(2)} tx`;
  return '';
}

function table(header: readonly string[], body: readonly (readonly string[])[], left: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const mhz = (hz: number): string => (hz >= 1e6 ? `${hz / 1e6} MHz` : `${hz / 1e3} kHz`);
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const frac = (x: number | undefined): string => (x === undefined ? '' : `${(x * 100).toFixed(1)}%`);

export function formatResult(r: BenchResult): string {
  const m = r.machine;
  const out: string[] = [
    `hilbridge bench (${r.mode}), ${r.startedAt}, ${r.wallSeconds.toFixed(1)} s`,
    `machine: ${m.cpus} x ${m.cpuModel}, load ${m.loadavg1.toFixed(2)}${m.loadavg1End !== undefined ? ` (${m.loadavg1End.toFixed(2)} at the end)` : ''}, node ${m.node}, ${m.platform}/${m.arch}`,
    `board: ${r.target.board}: ${r.target.devices.map((d) => `${d.name} (${d.part}, ${d.backend}, ${mhz(d.clockHz)})`).join('; ')}`,
    ...r.target.skipped.map((x) => `  not reachable: ${x}`),
    `writes: ${r.target.scratch.length ? r.target.scratch.map((s) => `${s.device} [0x${s.offset.toString(16)}, +${s.length})`).join(', ') : 'none (read-only run; --scratch DEV:OFF:LEN allows write rows)'}`,
    'times in microseconds; n = samples (per call: calls; batched: blocks of calls); sc = syscalls, tx = bus transactions per operation',
  ];
  // Sections in their numbered order: the row groups 1-3, idle (4), start to ready (5).
  const groups = (gs: readonly Group[]): void => {
    for (const g of gs) rowGroup(g);
  };
  const rowGroup = (g: Group): void => {
    const rows = r.rows.filter((x) => x.group === g);
    if (rows.length === 0) return;
    out.push('', TITLES[g]);
    out.push(
      table(
        ['path', 'timing', 'median', 'p90', 'p99', 'n', 'ratio', 'per op'],
        rows.map((x) => [x.name, x.timing, us(x.us.median), us(x.us.p90), us(x.us.p99), String(x.us.n), ratio(x.ratio), perOp(x)]),
        2,
      ),
    );
  };
  groups(['syscall', 'driver', 'library']);
  if (r.idle.length) {
    out.push('', '4. Idle CPU (whole process, driver threads waiting for requests)');
    out.push(
      table(
        ['transport', 'threads', 'wall ms', 'cpu ms', '% of a core', 'verdict'],
        r.idle.map((s) => [s.transport, String(s.driverThreads), s.wallMs.toFixed(0), ((s.cpuUserUs + s.cpuSystemUs) / 1000).toFixed(1), s.percentOfCore.toFixed(2), s.ok ? 'sleeps' : 'BUSY']),
        1,
      ),
    );
  }
  groups(['startup']);
  if (r.confinement.length) {
    out.push('', '6. What confinement costs: the same path confined (SES Compartment) and unconfined, medians side by side');
    out.push(
      table(
        ['path', 'timing', 'confined', 'unconfined', 'ratio'],
        r.confinement.map((c) => [c.path, c.timing, us(c.confinedUs), us(c.unconfinedUs), ratio(c.ratio)]),
        2,
      ),
    );
  }
  if (r.wholePart.length) {
    out.push(
      '',
      '7. Whole part: one sample per whole operation (ratios of throughput: vs (a) in kernel, vs (b) same transport; limit: share of the bus limit;',
      '   off-bus/tx: median minus the bus limit, per bus transaction: what the software adds to each)',
    );
    out.push(
      table(
        ['device', 'op', 'bytes', 'bus', 'placement', 'median', 'p99', 'n', 'KiB/s', 'vs (a)', 'vs (b)', 'limit', 'off-bus/tx', 'sc/op'],
        r.wholePart.map((w) => [
          w.device,
          w.op,
          String(w.bytes),
          w.busTiming,
          w.label,
          us(w.us.median),
          us(w.us.p99),
          String(w.us.n),
          w.kibPerSec.toFixed(0),
          w.vsInKernel?.toFixed(2) ?? '',
          w.vsSubsystem?.toFixed(2) ?? '',
          frac(w.busLimitFraction),
          us(w.offBusPerTransactionUs),
          w.syscallsPerOp === undefined ? '' : w.syscallsPerOp.toFixed(1),
        ]),
        5,
      ),
    );
  }
  if (r.growth.length) {
    out.push('', '8. Cost growth: medians of reads of N bytes, and the least-squares line through them');
    const sizes = [...new Set(r.growth.flatMap((g) => g.points.map((p) => p.bytes)))].sort((a, b) => a - b);
    out.push(
      table(
        ['placement', ...sizes.map(String), 'intercept', 'µs/byte', 'r²'],
        r.growth.map((g) => [g.label, ...sizes.map((n) => { const p = g.points.find((q) => q.bytes === n); return p ? us(p.us.median) : ''; }), us(g.fit.interceptUs), g.fit.slopeUsPerByte.toFixed(4), g.fit.r2.toFixed(3)]),
        1,
      ),
    );
  }
  if (r.scale.length) {
    const rounds = r.scale.some((p) => p.roundAggregates);
    out.push(
      '',
      "9. Scale: user threads back to back for the same window (Jain's fairness: 1 = equal shares)" + (rounds ? '; each point is its median round, by ops/s' : ''),
    );
    out.push(
      table(
        ['op', 'layout', 'transport', 'threads', 'ops/s', 'fairness', 'p50', 'p99', 'per thread', ...(rounds ? ['ops/s by round'] : [])],
        r.scale.map((p) => [
          p.op,
          p.layout,
          p.transport,
          String(p.threads),
          p.aggregateOpsPerSec.toFixed(0),
          p.fairness.toFixed(3),
          us(p.us.median),
          us(p.us.p99),
          p.perThread.join('/'),
          ...(rounds ? [(p.roundAggregates ?? [p.aggregateOpsPerSec]).map((x) => x.toFixed(0)).join('/')] : []),
        ]),
        3,
      ),
    );
  }
  for (const t of r.tails) {
    out.push('', `10. Tails: ${t.path}, ${t.reads} reads: median ${us(t.us.median)}, p90 ${us(t.us.p90)}, p99 ${us(t.us.p99)}, p99.9 ${us(t.us.p999)}, max ${us(t.us.max)}`);
    out.push(`    reads over 10x the median: ${t.slow}; during a GC of the worker ${t.slowDuringWorkerGc}, of the kernel ${t.slowDuringKernelGc}, neither ${t.slowOther} (GCs: worker ${t.workerGcs}, kernel ${t.kernelGcs})`);
  }
  if (r.wake) {
    const w = r.wake;
    out.push('', `4b. Waking a thread asleep in Atomics.wait (a notify that finds no sleeper: ${us(w.notifyNoWaiterUs.median)} µs)`);
    out.push(table(['asleep for', "notifier's cost", 'p90', 'wake-up latency', 'p90', 'n'], w.points.map((x) => [`${us(x.gapUs)} µs`, us(x.notifyUs.median), us(x.notifyUs.p90), us(x.latencyUs.median), us(x.latencyUs.p90), String(x.notifyUs.n)]), 1));
  }
  if (r.rss) {
    out.push('', `11. RSS with idle ${r.rss.confined ? 'confined ' : ''}driver threads: ${r.rss.threads.map((n, i) => `${n}: ${r.rss!.rssMiB[i]!.toFixed(1)} MiB`).join(', ')}; ${r.rss.perThreadMiB.toFixed(1)} MiB per thread`);
  }
  if (r.cli) {
    const c = r.cli;
    out.push('', `12. Cold start (${c.runs} runs each, alternating): ${c.command}: median ${ms(c.cliMs.median)} ms (${ms(c.cliNoSpareMs.median)} ms without the spare worker); node -e 0: ${ms(c.nodeBareMs.median)} ms; ratio ${c.ratio.toFixed(2)}x${c.cliMaxRssMiB ? `; peak RSS ${c.cliMaxRssMiB.toFixed(0)} MiB vs ${c.nodeBareMaxRssMiB?.toFixed(0)} MiB` : ''}`);
  }
  if (r.serprog) {
    const sp = r.serprog;
    out.push('', `13. serprog (emulated programmer on a pseudo-terminal; read chunk ${sp.readChunk} bytes): open ${ms(sp.openMs.median)} ms (bare client ${ms(sp.bareOpenMs.median)} ms); one 1-byte operation ${us(sp.op.hilbridge.median)} µs (bare ${us(sp.op.bare.median)} µs, +${us(sp.op.addedUs)})`);
    out.push(table(['32 KiB read', 'median', 'p99', 'n', 'vs bare'], [...sp.read32k.map((x) => [x.path, us(x.us.median), us(x.us.p99), String(x.us.n), x.vsBare?.toFixed(2) ?? '']), ['bare client', us(sp.bareRead32k.median), us(sp.bareRead32k.p99), String(sp.bareRead32k.n), '1.00']], 1));
  }
  for (const x of r.skipped) out.push('', `skipped ${x.suite}: ${x.why}`);
  if (r.targets.length) {
    out.push('', 'Targets (reported, not asserted)');
    out.push(
      table(
        ['target', 'goal', 'measured', 'verdict'],
        r.targets.map((t) => [t.name, t.goal, t.value === undefined ? '-' : t.value < 10 ? t.value.toFixed(3) : t.value.toFixed(1), t.met === undefined ? 'not measured' : t.met ? 'met' : `MISSED: ${t.gap ?? ''}`]),
        1,
      ),
    );
  }
  const failed = r.checks.filter((c) => !c.ok);
  out.push('', `checks: ${r.checks.length - failed.length}/${r.checks.length} passed`);
  for (const c of failed) out.push(`  FAILED ${c.name}: ${c.detail}`);
  return out.join('\n');
}
