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

export function formatResult(r: BenchResult): string {
  const m = r.machine;
  const out: string[] = [
    `hilbridge bench (${r.mode}), ${r.startedAt}, ${r.wallSeconds.toFixed(1)} s`,
    `machine: ${m.cpus} x ${m.cpuModel}, load ${m.loadavg1.toFixed(2)}, node ${m.node}, ${m.platform}/${m.arch}`,
    'times in microseconds; n = samples (per call: calls; batched: blocks of calls); sc = syscalls, tx = SPI transactions per operation',
  ];
  for (const g of ['syscall', 'driver', 'library', 'startup'] as const) {
    const rows = r.rows.filter((x) => x.group === g);
    if (rows.length === 0) continue;
    out.push('', TITLES[g]);
    out.push(
      table(
        ['path', 'timing', 'median', 'p90', 'p99', 'n', 'ratio', 'per op'],
        rows.map((x) => [x.name, x.timing, us(x.us.median), us(x.us.p90), us(x.us.p99), String(x.us.n), ratio(x.ratio), perOp(x)]),
        2,
      ),
    );
  }
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
  const failed = r.checks.filter((c) => !c.ok);
  out.push('', `checks: ${r.checks.length - failed.length}/${r.checks.length} passed`);
  for (const c of failed) out.push(`  FAILED ${c.name}: ${c.detail}`);
  return out.join('\n');
}
