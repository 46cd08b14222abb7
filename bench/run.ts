/**
 * `npm run bench`: what least privilege costs, measured side by side in one run. On the generated
 * bench board (simulated AT25256 and AT24C256) by default, or on any board file (`--board`):
 *
 *  1. the null syscall over both transports against a direct call;
 *  2. the driver in a user thread against the same driver in the kernel (16 B … 4 KiB, a page write);
 *  3. the library path through a driver thread;
 *  4. idle CPU;
 *  5. worker start to ready; 6. confined against unconfined;
 *  7. whole-part reads and writes in the three placements, against the bus limit (timed and untimed);
 *  8. cost growth with transfer size; 9. scale with 1…8 threads; 10. tails; 11. RSS per idle thread;
 * 12. command-line cold start; 13. serprog against a bare client on an emulated programmer.
 *
 * Prints a table (or, with --json, one JSON object), writes the JSON and SVG charts into
 * bench-results/ (or --out DIR), and exits 1 if a consistency check failed, 2 if it could not run,
 * 130 (128 + signal) when interrupted. Write rows on a board file run only inside --scratch ranges,
 * which are saved first and restored whatever happens.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { HilError } from '../src/abi/errno';
import { Kernel } from '../src/kernel/kernel';
import { packageRoot } from '../src/kernel/paths';
import { abort, abortedBy, Interrupted, registerKernel, unregisterKernel } from './abort';
import { benchBoardFile, loadBoard } from './boards';
import { writeOutputs } from './charts';
import { Collector } from './collect';
import { formatResult } from './format';
import { opsFor } from './ops';
import type { BenchResult, Check, ConfinementRow, Row } from './result';
import { SAMPLES_BYTES, SAMPLES_PARTITION } from './samples';
import { parseScratch, type RestoreReport, ScratchGuard, type ScratchRange } from './scratch';
import { summarizeRun, targetsOf } from './summary';
import { cliSuite, type ColdStart } from './suites/cli';
import { checkSyscallsPerTransaction, driverSuite, inKernelName } from './suites/driver';
import { idleSuite } from './suites/idle';
import { librarySuite } from './suites/library';
import { rssSuite, type RssResult } from './suites/rss';
import { wakeSuite, type WakeResult } from './suites/wake';
import { type ScalePoint, scaleSuite } from './suites/scale';
import { serprogSuite, serprogUnavailable, type SerprogResult } from './suites/serprog';
import { syscallSuite } from './suites/syscall';
import { libraryTails, tailsSuite, type TailsResult } from './suites/tails';
import type { PlacementKey } from './placements';
import { type GrowthSeries, growthSuite, type WholePartRow, wholePartSuite, type WriteRanges } from './suites/wholepart';
import { type BenchDevice, type BenchTarget, cpuModel, defaultTiming, describeTarget, ranOn } from './target';

/** The scratch ranges could not be put back (the run's own error, if any, is the cause's context). */
class RestoreFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'RestoreFailed';
  }
}

export const SUITES = ['idle', 'wake', 'syscall', 'driver', 'library', 'wholepart', 'growth', 'scale', 'tails', 'rss', 'cli', 'serprog'] as const;
type Suite = (typeof SUITES)[number];

const USAGE = `usage: node dist/bench/run.js [options]   (npm run bench -- [options])
  --quick                 fewer repetitions (about a minute instead of several)
  --json                  print one JSON object instead of the table
  --out DIR               write result.json and the SVG charts into DIR (default: bench-results/)
  --no-charts             write nothing to disk
  --board FILE            benchmark the EEPROMs of this board file (.dts/.dtb) instead of the bench board;
                          it is only read, unless --scratch names where it may be written
  --include DIR           include directory for the board's #include lines (repeatable)
  --port PATH             serial port of a serprog board's programmer
  --scratch DEV:OFF:LEN   write rows may write [OFF, OFF+LEN) of DEV (repeatable); the range and the
                          status register are saved first and restored afterwards, Ctrl-C included
  --only LIST             run only these suites (comma-separated): ${SUITES.join(',')}
  --skip LIST             run all suites but these
  -h, --help              this text`;

/**
 * Counts are per round; every path runs once per round, in turn (see collect.ts). Each user-thread
 * driver row runs in a fresh worker, so `driverWarmup` must carry it past its cold start (the JIT
 * and both sides' adaptive polling windows): with 20 untimed operations the rows measured a cold
 * worker (a 16-byte read 70-90 µs), with 2000 its steady state (26-30 µs), side by side.
 */
const PARAMS = {
  full: {
    rounds: 6, perCall: 5_000, blocks: 10, blockSize: 500, warmup: 500, driverReps: 250, driverWarmup: 2000, driverPrime: 300, libraryReps: 150, libraryWarmup: 10, idleMs: 1_000, wakeSamples: 300,
    wpRounds: 3, wpReadReps: 10, wpWriteReps: 3, wpReadWarmup: 50, wpWriteWarmup: 1, wpTimedReadReps: 3, wpTimedReadWarmup: 1, wpTimedWriteReps: 1, wpTimedWriteBytes: 32768,
    growthRounds: 3, growthReps: 200, growthMinReps: 10, growthWarmup: 500, scaleWindowMs: 1_000, scaleWarmup: 300, scaleRounds: 3, tailsReps: 20_000, cliRuns: 10,
    serprogRounds: 3, serprogOpens: 9, serprogOpReps: 300, serprogReadReps: 10,
  },
  quick: {
    rounds: 2, perCall: 1_000, blocks: 5, blockSize: 200, warmup: 200, driverReps: 30, driverWarmup: 200, driverPrime: 100, libraryReps: 20, libraryWarmup: 3, idleMs: 1_000, wakeSamples: 50,
    wpRounds: 1, wpReadReps: 3, wpWriteReps: 1, wpReadWarmup: 10, wpWriteWarmup: 1, wpTimedReadReps: 1, wpTimedReadWarmup: 0, wpTimedWriteReps: 1, wpTimedWriteBytes: 1024,
    growthRounds: 1, growthReps: 30, growthMinReps: 3, growthWarmup: 50, scaleWindowMs: 300, scaleWarmup: 100, scaleRounds: 1, tailsReps: 3_000, cliRuns: 3,
    serprogRounds: 1, serprogOpens: 2, serprogOpReps: 50, serprogReadReps: 3,
  },
} as const;

const ALL_PLACEMENTS: readonly PlacementKey[] = ['a', 'b-sync', 'b-port', 'c-sync', 'c-port', 'd-sync'];

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

function suiteList(only: string | undefined, skip: string | undefined): Suite[] {
  const parse = (s: string): Suite[] =>
    s.split(',').map((x) => {
      const t = x.trim();
      if (!(SUITES as readonly string[]).includes(t)) throw new HilError('EINVAL', `unknown suite "${t}"; suites: ${SUITES.join(', ')}`);
      return t as Suite;
    });
  const chosen = only ? parse(only) : [...SUITES];
  const skipped = skip ? parse(skip) : [];
  return SUITES.filter((s) => chosen.includes(s) && !skipped.includes(s));
}

interface Options {
  readonly quick: boolean;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly board: string | undefined;
  readonly include: readonly string[];
  readonly port: string | undefined;
  readonly scratch: readonly string[];
  readonly suites: readonly Suite[];
}

function options(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      'no-charts': { type: 'boolean' },
      board: { type: 'string' },
      include: { type: 'string', multiple: true },
      port: { type: 'string' },
      scratch: { type: 'string', multiple: true },
      only: { type: 'string' },
      skip: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (values.board !== undefined && !existsSync(values.board)) throw new HilError('ENOENT', `board file ${values.board} does not exist`);
  return {
    quick: values.quick === true,
    json: values.json === true,
    out: values['no-charts'] ? undefined : resolve(values.out ?? join(process.cwd(), 'bench-results')),
    board: values.board === undefined ? undefined : resolve(values.board),
    include: values.include ?? [],
    port: values.port,
    scratch: values.scratch ?? [],
    suites: suiteList(values.only, values.skip),
  };
}

/** Where each device may be written: the bench board's parts whole; elsewhere only --scratch ranges. */
function writeRanges(target: BenchTarget, scratch: readonly ScratchRange[]): WriteRanges {
  const m = new Map<string, { offset: number; length: number }>();
  if (scratch.length === 0 && !target.custom) for (const d of target.devices) m.set(d.name, { offset: 0, length: d.size });
  for (const s of scratch) m.set(s.device, { offset: s.offset, length: s.length });
  return m;
}

/** A page-aligned offset inside the device's writable range for the page-write row, if there is one. */
function pageWriteAt(d: BenchDevice, w: WriteRanges, custom: boolean): number | undefined {
  const r = w.get(d.name);
  if (!r) return undefined;
  if (!custom && r.offset === 0 && r.length === d.size && d.size > 0x4000 + d.pageSize) return 0x4000;
  const at = Math.ceil(r.offset / d.pageSize) * d.pageSize;
  return at + d.pageSize <= r.offset + r.length ? at : undefined;
}

async function withKernel<T>(target: BenchTarget, serialPort: string | undefined, fn: (k: Kernel) => Promise<T>): Promise<T> {
  const k = await Kernel.boot({ tree: loadBoard(target.boardFile, target.includeDirs), startThreads: false, serialPort });
  registerKernel(k);
  try {
    k.createPartition(SAMPLES_PARTITION, SAMPLES_BYTES);
    return await fn(k);
  } finally {
    unregisterKernel(k);
    await k.shutdown();
  }
}

async function run(o: Options): Promise<{ result: BenchResult; restored: RestoreReport[] | undefined }> {
  const mode = o.quick ? 'quick' : 'full';
  const p = PARAMS[mode];
  const progress = (what: string): void => {
    if (!o.json && process.stderr.isTTY) process.stderr.write(`  ${what}...\n`);
  };
  const startedAt = new Date().toISOString();
  const load = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const checks: Check[] = [];
  const skipped: { suite: string; why: string }[] = [];
  const has = (s: Suite): boolean => o.suites.includes(s);

  const { target, skipped: unreachable } = await describeTarget(o.board, o.include);
  const scratch = o.scratch.map((s) => parseScratch(s, target.devices));
  const writable = writeRanges(target, scratch);
  const first = target.devices.find((d) => d.kind === 'at25') ?? target.devices[0]!;
  const guard = scratch.length ? await ScratchGuard.save(target.boardFile, target.includeDirs, scratch, target.devices, o.port) : undefined;
  let restored: RestoreReport[] | undefined;

  const samples = new Collector();
  const wholePart: WholePartRow[] = [];
  const growth: GrowthSeries[] = [];
  let scale: ScalePoint[] = [];
  const tails: TailsResult[] = [];
  let rss: RssResult | undefined;
  let wake: WakeResult | undefined;
  let cli: ColdStart | undefined;
  let serprog: SerprogResult | undefined;
  let idle: BenchResult['idle'] = [];
  const ops = opsFor(first.size, first.pageSize, pageWriteAt(first, writable, target.custom));
  const timing = defaultTiming(first);
  try {
    // Idle first, while the process is fresh (no garbage from the other suites left to collect).
    if (has('idle')) {
      progress('idle CPU');
      const board = target.custom ? target.boardFile : join(packageRoot(), 'dts', 'mock.dts');
      idle = await idleSuite({ file: board, includeDirs: target.includeDirs, serialPort: o.port }, mode === 'quick' ? ['sync'] : ['sync', 'port'], p.idleMs, checks);
    }
    if (has('wake')) {
      progress('wake-up cost');
      wake = await wakeSuite(p.wakeSamples);
    }
    if (has('syscall') || has('driver')) {
      await withKernel(target, o.port, async (k) => {
        if (has('syscall')) {
          progress('null syscall');
          await syscallSuite(k, { rounds: p.rounds, perCall: p.perCall, blocks: p.blocks, blockSize: p.blockSize, warmup: p.warmup, device: first.name }, samples, checks);
        }
        if (has('driver')) {
          progress(`${first.kind.toUpperCase()} driver, in kernel and in user threads`);
          await driverSuite(k, { rounds: p.rounds, reps: p.driverReps, warmup: p.driverWarmup, prime: p.driverPrime, device: first.name, ops, exact: !target.custom }, samples, checks);
        }
      });
    }
    if (has('library')) {
      progress('library path');
      await librarySuite({ rounds: p.rounds, reps: p.libraryReps, warmup: p.libraryWarmup, device: first.name, ops }, { file: target.boardFile, includeDirs: target.includeDirs, serialPort: o.port, concurrent: target.simulated }, samples);
    }
    if (has('wholepart')) {
      const untimedCounts = { readReps: p.wpReadReps, readWarmup: p.wpReadWarmup, writeReps: p.wpWriteReps, writeWarmup: p.wpWriteWarmup, maxWriteBytes: Number.POSITIVE_INFINITY };
      const timedCounts = { readReps: p.wpTimedReadReps, readWarmup: p.wpTimedReadWarmup, writeReps: p.wpTimedWriteReps, writeWarmup: 0, maxWriteBytes: p.wpTimedWriteBytes };
      progress(`whole part, ${target.custom ? timing : 'no timing model'}`);
      // A real bus takes real time: a board file gets the timed board's counts.
      const wp = { rounds: p.wpRounds, placements: ALL_PLACEMENTS, counts: target.custom ? timedCounts : untimedCounts };
      wholePart.push(...(await wholePartSuite(target, target.boardFile, target.custom ? timing : 'software only', wp, writable)));
      if (!target.custom) {
        progress('whole part, timing model');
        const timed = (await describeTarget(benchBoardFile(true))).target;
        wholePart.push(...(await wholePartSuite({ ...timed, board: `${target.board}, timing model on` }, benchBoardFile(true), 'timing model', { ...wp, counts: timedCounts }, writable)));
      }
    }
    if (has('growth')) {
      progress('cost growth');
      growth.push(...(await growthSuite(target, target.boardFile, target.custom ? timing : 'software only', first, { rounds: p.growthRounds, reps: p.growthReps, minReps: p.growthMinReps, warmup: target.custom ? 2 : p.growthWarmup, placements: ALL_PLACEMENTS })));
    }
    if (has('scale')) {
      progress('scale');
      scale = await scaleSuite({ threads: [1, 2, 4, 8], windowMs: p.scaleWindowMs, warmup: p.scaleWarmup, layouts: ['separate', 'shared'], ops: ['read', 'null'], rounds: p.scaleRounds });
    }
    if (has('tails')) {
      progress('tails');
      if (first.kind === 'at25') {
        await withKernel(target, o.port, async (k) => void tails.push(await tailsSuite(k, first.name, p.tailsReps)));
        tails.push(await libraryTails({ file: target.boardFile, includeDirs: target.includeDirs, serialPort: o.port }, first.name, p.tailsReps));
      } else skipped.push({ suite: 'tails', why: 'the tail suite drives an AT25; the board has none' });
    }
    if (has('rss')) {
      progress('RSS per idle thread');
      rss = rssSuite();
    }
    if (has('cli')) {
      progress('command-line cold start');
      cli = cliSuite(p.cliRuns, target.custom ? first.name : 'eeprom0', target.custom ? target.boardFile : undefined);
    }
    if (has('serprog')) {
      const why = serprogUnavailable();
      if (why) skipped.push({ suite: 'serprog', why });
      else {
        progress('serprog against a bare client');
        serprog = await serprogSuite({ rounds: p.serprogRounds, opens: p.serprogOpens, opReps: p.serprogOpReps, readReps: p.serprogReadReps });
      }
    }
  } finally {
    if (guard) {
      progress('restoring the scratch ranges');
      try {
        restored = await guard.restore();
      } catch (e) {
        throw new RestoreFailed(e);
      }
    }
  }

  const rows = samples.rows();
  const scaleOn = ranOn({ ...target, board: 'scale board (generated; see bench/boards.ts)' }, 'software only');
  for (const r of rows) r.ranOn = ranOn(target, timing, first);
  if (has('driver')) checkSyscallsPerTransaction(rows, checks, ops, !target.custom);
  addRatios(rows);
  const device = first.name;
  const summary = summarizeRun({ rows, wholePart, growth, scale, rss, cli, serprog, device });
  const cpu = cpus();
  const result: BenchResult = {
    tool: 'hilbridge-bench',
    mode,
    startedAt,
    wallSeconds: (performance.now() - t0) / 1000,
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', loadavg1: load, loadavg1End: loadavg()[0] ?? 0, node: process.version, platform: process.platform, arch: process.arch },
    target: {
      board: target.board,
      boardFile: target.boardFile,
      devices: target.devices.map((d) => ({ name: d.name, part: d.part, backend: d.backend, clockHz: d.clockHz, simulated: d.simulated })),
      skipped: unreachable,
      argv: process.argv.slice(2),
      scratch: [...writable.entries()].map(([dev, r]) => ({ device: dev, ...r })),
    },
    params: { ...p },
    suites: o.suites,
    rows,
    wholePart,
    growth,
    scale: scale.map((s) => ({ ...s, ranOn: scaleOn })),
    tails: tails.map((t) => ({ ...t, ranOn: ranOn(target, timing, first) })),
    rss: rss ? { ...rss, ranOn: scaleOn } : undefined,
    wake: wake ? { ...wake, ranOn: { board: 'none (two threads of this process)', busTiming: 'software only', node: process.version, cpu: cpuModel() } } : undefined,
    cli: cli ? { ...cli, ranOn: ranOn(target.custom ? target : { ...target, board: 'dts/mock.dts (the CLI default)' }, timing, target.custom ? first : undefined) } : undefined,
    serprog: serprog ? { ...serprog, ranOn: { board: serprog.board, device: 'eeprom0', backend: 'serprog', busTiming: 'hardware', node: process.version, cpu: cpuModel() } } : undefined,
    skipped,
    // The idle suite boots the default board unless the run is on the user's own.
    idle: idle.map((s) => ({ ...s, ranOn: ranOn(target.custom ? target : { ...target, board: 'dts/mock.dts (the CLI default)' }, timing) })),
    confinement: confinementRows(rows),
    checks,
    targets: [],
    summary,
  };
  return { result: { ...result, targets: targetsOf({ rows, wholePart, growth, scale, rss, cli, serprog, device, tails }, summary) }, restored };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNO: Readonly<Record<(typeof SIGNALS)[number], number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = o;
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (abortedBy()) {
        process.stderr.write(`bench: ${sig} again: still finishing up (restoring any scratch range); please wait\n`);
        return;
      }
      process.stderr.write(`\nbench: ${sig}: stopping${opts.scratch.length ? '; the scratch ranges will be restored' : ''}\n`);
      abort(sig);
    });
  }
  try {
    const { result, restored } = await run(opts);
    if (restored) for (const r of restored) process.stderr.write(`bench: ${r.device}: scratch range restored (${r.pagesRewritten} pages rewritten${r.protectionRestored ? ', protection put back' : ''}${r.latchCleared ? ', write-enable latch cleared' : ''}), verified\n`);
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
    if (opts.out) {
      const files = await writeOutputs(opts.out, result);
      if (!opts.json) process.stdout.write(`\nwrote ${files.length} files to ${opts.out}\n`);
    }
    return result.checks.every((c) => c.ok) ? 0 : 1;
  } catch (e) {
    const sig = abortedBy() as (typeof SIGNALS)[number] | undefined;
    if (e instanceof RestoreFailed) {
      // Never claim a restore that did not happen: the chip may hold the bench's data.
      process.stderr.write(`bench: ${sig ? `interrupted by ${sig}, and ` : ''}the scratch ranges could NOT be restored: ${e.message}; check the chip before using it\n`);
      return sig ? 128 + SIGNO[sig] : 2;
    }
    if (sig || e instanceof Interrupted) {
      process.stderr.write(`bench: interrupted${opts.scratch.length ? '; scratch ranges restored and verified' : ''}\n`);
      return 128 + SIGNO[sig ?? 'SIGINT'];
    }
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // Handles a suite left behind (a serial port's close) must not keep a finished run alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
