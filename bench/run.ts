/**
 * `npm run bench`: what least privilege costs. Runs, in one process and side by side, the null
 * syscall over both transports against a direct call, the AT25 driver in a user thread against
 * the same driver in the kernel, the library path through a driver thread, and an idle-CPU check;
 * prints a table (or, with --json, one JSON object) and exits 1 if a consistency check failed.
 *
 *   node dist/bench/run.js [--quick] [--json]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatResult } from './format';
import { bootBenchKernel } from './kernel-session';
import { Collector } from './collect';
import type { BenchResult, Check, ConfinementRow, Row } from './result';
import { checkSyscallsPerTransaction, driverSuite, inKernelName } from './suites/driver';
import { idleSuite } from './suites/idle';
import { librarySuite } from './suites/library';
import { syscallSuite } from './suites/syscall';

const USAGE = `usage: node dist/bench/run.js [--quick] [--json]
  --quick  fewer repetitions (about 4 s of measurement instead of about 20 s)
  --json   print one JSON object instead of the table`;

/** Counts are per round; every path runs once per round, in turn (see collect.ts). */
const PARAMS = {
  full: { rounds: 6, perCall: 5_000, blocks: 10, blockSize: 500, warmup: 500, driverReps: 250, driverWarmup: 20, driverPrime: 300, libraryReps: 150, libraryWarmup: 10, idleMs: 1_000 },
  quick: { rounds: 2, perCall: 1_000, blocks: 5, blockSize: 200, warmup: 200, driverReps: 30, driverWarmup: 5, driverPrime: 100, libraryReps: 20, libraryWarmup: 3, idleMs: 1_000 },
} as const;

/** Sets each row's ratio against the baseline row of its group (same timing method). */
function addRatios(rows: Row[]): void {
  const byKey = new Map(rows.map((r) => [`${r.name}|${r.timing}`, r]));
  for (const r of rows) {
    let base: string | undefined;
    if (r.group === 'syscall') base = 'direct function call';
    else if (r.group === 'startup') continue;
    else {
      const label = r.name.slice(r.name.lastIndexOf(': ') + 2);
      base = inKernelName(label);
    }
    const b = byKey.get(`${base}|${r.timing}`);
    if (b && b.us.median > 0) {
      r.baseline = base;
      r.ratio = r.us.median / b.us.median;
    }
  }
}

/**
 * Pairs every row of a confined variant with the same row of its unconfined twin ("…, sync…" and
 * "…, sync, unconfined…"), so the price of confinement is read off one run.
 */
function confinementRows(rows: readonly Row[]): ConfinementRow[] {
  const out: ConfinementRow[] = [];
  for (const u of rows) {
    if (!u.name.includes(', unconfined')) continue;
    const confinedName = u.name.replace(', unconfined', '');
    const c = rows.find((r) => r.name === confinedName && r.timing === u.timing);
    if (!c || u.us.median <= 0) continue;
    out.push({ path: confinedName, timing: u.timing, confinedUs: c.us.median, unconfinedUs: u.us.median, ratio: c.us.median / u.us.median });
  }
  return out;
}

async function main(): Promise<number> {
  let values: { quick?: boolean | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const mode = values.quick ? 'quick' : 'full';
  const p = PARAMS[mode];
  const progress = (what: string): void => {
    if (!values.json && process.stderr.isTTY) process.stderr.write(`  ${what}...\n`);
  };
  const startedAt = new Date().toISOString();
  const load = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const checks: Check[] = [];

  // Idle first, while the process is fresh (no garbage from the other suites left to collect).
  progress('idle CPU');
  const idle = await idleSuite(mode === 'quick' ? ['sync'] : ['sync', 'port'], p.idleMs, checks);

  const samples = new Collector();
  const k = await bootBenchKernel();
  try {
    progress('null syscall');
    await syscallSuite(k, { rounds: p.rounds, perCall: p.perCall, blocks: p.blocks, blockSize: p.blockSize, warmup: p.warmup }, samples, checks);
    progress('AT25 driver, in kernel and in user threads');
    await driverSuite(k, { rounds: p.rounds, reps: p.driverReps, warmup: p.driverWarmup, prime: p.driverPrime }, samples, checks);
  } finally {
    await k.shutdown();
  }
  progress('library path');
  await librarySuite({ rounds: p.rounds, reps: p.libraryReps, warmup: p.libraryWarmup }, samples);
  const rows = samples.rows();
  checkSyscallsPerTransaction(rows, checks);
  addRatios(rows);

  const cpu = cpus();
  const result: BenchResult = {
    tool: 'hilbridge-bench',
    mode,
    startedAt,
    wallSeconds: (performance.now() - t0) / 1000,
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', loadavg1: load, node: process.version, platform: process.platform, arch: process.arch },
    params: { ...p },
    rows,
    idle,
    confinement: confinementRows(rows),
    checks,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
