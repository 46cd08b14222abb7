/**
 * The benchmark's machine-readable output is well formed: `node dist/bench/run.js --quick --json`
 * exits 0 and prints one JSON object with every path measured, sane summaries and syscall counts,
 * the summary keys the issue names, and (with --out) the JSON and SVG charts on disk.
 * No timing is asserted (figures depend on the machine and its load); only shape and consistency.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult, Row } from '../../bench/result';
import { ensureBenchBuilt as ensureBuilt } from './build';

const ROOT = join(__dirname, '..', '..');
const RUN = join(ROOT, 'dist', 'bench', 'run.js');

function runBench(args: readonly string[], timeout: number): BenchResult {
  const p = spawnSync(process.execPath, [RUN, '--quick', '--json', ...args], { cwd: ROOT, encoding: 'utf8', timeout });
  if (p.status !== 0) throw new Error(`bench exited ${p.status}: ${p.stderr}\n${p.stdout.slice(0, 2000)}`);
  const lines = p.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as BenchResult;
}

function wellFormedSummary(r: Row): void {
  const s = r.us;
  expect(s.n).toBeGreaterThan(0);
  for (const v of [s.min, s.median, s.p90, s.p99, s.max, s.mean]) expect(Number.isFinite(v) && v >= 0).toBe(true);
  expect(s.min).toBeLessThanOrEqual(s.median);
  expect(s.median).toBeLessThanOrEqual(s.p90);
  expect(s.p90).toBeLessThanOrEqual(s.p99);
  expect(s.p99).toBeLessThanOrEqual(s.max);
}

describe('npm run bench --quick --json (syscall, driver, library, idle and wake-up suites)', () => {
  let result: BenchResult;

  beforeAll(() => {
    ensureBuilt();
    result = runBench(['--no-charts', '--only', 'idle,wake,syscall,driver,library'], 240_000);
  }, 300_000);

  it('identifies the run and the machine', () => {
    expect(result.tool).toBe('hilbridge-bench');
    expect(result.mode).toBe('quick');
    expect(Number.isNaN(Date.parse(result.startedAt))).toBe(false);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.wallSeconds).toBeGreaterThan(0);
    expect(result.target.devices.map((d) => [d.name, d.backend, d.simulated])).toEqual([
      ['eeprom0', 'mock', true],
      ['eeprom1', 'mock', true],
    ]);
    for (const r of result.rows) expect(r.ranOn).toMatchObject({ board: expect.stringContaining('bench board'), node: process.version, cpu: expect.stringMatching(/ x /) });
  });

  it('measures every path, each with a well-formed summary', () => {
    const names = new Set(result.rows.map((r) => `${r.name}|${r.timing}`));
    for (const timing of ['per call', 'batched']) {
      for (const n of ['direct function call', 'null syscall, sync transport, callSync', 'null syscall, sync, no spin transport, callSync', 'null syscall, sync transport, await call', 'null syscall, port transport, await call']) {
        expect(names).toContain(`${n}|${timing}`);
      }
    }
    for (const op of ['read 16 B', 'read 256 B', 'read 4 KiB', 'page write 64 B']) {
      for (const path of ['in kernel', 'user thread, sync', 'user thread, sync, no spin', 'user thread, port', 'library -> driver thread (sync)', 'library -> driver thread (port)']) {
        expect(names).toContain(`${path}: ${op}|per call`);
      }
    }
    result.rows.forEach(wellFormedSummary);
  });

  it('relates every row to its baseline and counts syscalls for user threads', () => {
    for (const r of result.rows.filter((x) => x.group !== 'startup')) {
      expect(r.baseline).toBeDefined();
      expect(r.ratio! > 0).toBe(true);
      if (r.group === 'syscall') expect(r.baseline).toBe('direct function call');
      else expect(r.baseline).toMatch(/^in kernel: /);
      if (r.name.startsWith('user thread') || r.name.startsWith('library')) expect(r.syscallsPerOp! >= 1).toBe(true);
      if (r.name.startsWith('in kernel')) expect(r.transactionsPerOp! >= 1).toBe(true);
    }
  });

  it('puts every confined path beside its unconfined twin, and times how threads start', () => {
    const paths = new Set(result.confinement.map((c) => `${c.path}|${c.timing}`));
    for (const path of ['null syscall, sync transport, callSync|batched', 'null syscall, port transport, await call|batched', 'user thread, sync: read 16 B|per call', 'worker start to ready, sync|per call']) {
      expect(paths).toContain(path);
    }
    for (const c of result.confinement) expect(c.ratio).toBeCloseTo(c.confinedUs / c.unconfinedUs, 6);
    expect(result.rows.filter((r) => r.group === 'startup').length).toBe(5);
  });

  it('library reads copy no data through the kernel: the bus fills the caller\'s lent buffer', () => {
    for (const r of result.rows.filter((x) => x.group === 'library' && x.name.includes(': read '))) {
      const size = Number(/read (\d+)/.exec(r.name)![1]) * (r.name.endsWith('KiB') ? 1024 : 1);
      expect(r.bytesCopiedPerOp).toBeDefined();
      expect(r.bytesCopiedPerOp!).toBeLessThan(Math.min(64, size)); // request headers only
    }
  });

  it('reports the idle check and its own consistency checks, all passing', () => {
    expect(result.idle.length).toBeGreaterThan(0);
    for (const s of result.idle) expect(s.driverThreads).toBeGreaterThan(0);
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('measures what waking a sleeping thread costs, after a short and a long sleep', () => {
    const w = result.wake!;
    expect(w.points.map((x) => x.gapUs)).toEqual([50, 2000]);
    for (const x of w.points) {
      expect(x.notifyUs.n).toBe(50);
      // the acknowledgement comes after the notify returned
      expect(x.latencyUs.median).toBeGreaterThanOrEqual(x.notifyUs.median);
    }
    expect(w.notifyNoWaiterUs.n).toBe(50);
  });
});

describe('npm run bench --quick --json --out DIR (whole part, growth, scale, tails, memory, cold start, serprog)', () => {
  let result: BenchResult;
  let out: string;

  beforeAll(() => {
    ensureBuilt();
    out = mkdtempSync(join(tmpdir(), 'hilbridge-bench-out-'));
    result = runBench(['--out', out, '--only', 'wholepart,growth,scale,tails,rss,cli,serprog'], 280_000);
  }, 300_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('has the summary the issue names, with exactly its keys', () => {
    const s = result.summary;
    expect(Object.keys(s.nullSyscallUs).sort()).toEqual(['direct', 'messagePort', 'sharedMemory']);
    expect(Object.keys(s.nullSyscallP99Us).sort()).toEqual(['direct', 'messagePort', 'sharedMemory']);
    for (const k of ['readRatioUntimed', 'readRatioTimed'] as const) {
      expect(Object.keys(s[k]).sort()).toEqual(['messagePort', 'sharedMemory', 'subsystemSyscall']);
      for (const v of Object.values(s[k])) expect(v! > 0).toBe(true);
    }
    expect(Object.keys(s.busLimitFractionTimed).sort()).toEqual(['inKernel', 'sharedMemory']);
    for (const v of Object.values(s.busLimitFractionTimed)) expect(v! > 0).toBe(true);
    expect(s.rssPerIdleThreadMiB! > 0).toBe(true);
    expect(s.scale.threads).toEqual([1, 2, 4, 8]);
    expect(s.scale.aggregateOpsPerSec).toHaveLength(4);
    for (const f of s.scale.fairness) expect(f > 0 && f <= 1 + 1e-9).toBe(true);
    expect(s.cliColdStartMs! > 0 && s.nodeBareStartMs! > 0).toBe(true);
    if (result.serprog) expect(s.serprogReadRatio! > 0).toBe(true);
    else expect(result.skipped.map((x) => x.suite)).toContain('serprog');
    // The suites this run skipped leave their figures null rather than absent.
    expect(s.nullSyscallUs.sharedMemory).toBeNull();
  });

  it('has whole-part rows for both parts in every placement, untimed and timed, with ratios and bus limits', () => {
    for (const device of ['eeprom0', 'eeprom1']) {
      for (const busTiming of ['software only', 'timing model']) {
        for (const op of ['read', 'write']) {
          const rows = result.wholePart.filter((w) => w.device === device && w.busTiming === busTiming && w.op === op);
          expect(rows.map((w) => w.placement).sort()).toEqual(['a', 'b-port', 'b-sync', 'c-port', 'c-sync', 'd-sync']);
          for (const w of rows) {
            expect(w.vsInKernel! > 0 && w.busLimitFraction > 0 && w.kibPerSec > 0).toBe(true);
            expect(w.ranOn).toMatchObject({ device, backend: 'mock', busTiming });
            if (w.placement === 'a') expect(w.vsInKernel).toBe(1);
            if (w.placement.startsWith('b') || w.placement.startsWith('c')) expect(w.syscallsPerOp! >= 1).toBe(true);
          }
        }
      }
    }
    const read = result.wholePart.find((w) => w.device === 'eeprom0' && w.op === 'read' && w.placement === 'a')!;
    expect(read.bytes).toBe(32768);
    expect(read.wire.wireUs).toBeGreaterThanOrEqual((32768 * 8 * 1e6) / 5_000_000);
    for (const w of result.wholePart) expect(w.offBusPerTransactionUs).toBeCloseTo((w.us.median - w.wire.limitUs) / w.wire.transactions, 6);
    const write = result.wholePart.find((w) => w.device === 'eeprom0' && w.op === 'write' && w.busTiming === 'timing model')!;
    expect(write.wire.pages).toBe(write.bytes / 64);
    expect(write.wire.limitUs).toBeGreaterThanOrEqual(write.wire.pages * 5000);
  });

  it('fits a line per placement to reads of growing size', () => {
    expect(result.growth.map((g) => g.placement).sort()).toEqual(['a', 'b-port', 'b-sync', 'c-port', 'c-sync', 'd-sync']);
    for (const g of result.growth) {
      expect(g.points.map((p) => p.bytes)).toEqual([16, 64, 256, 1024, 4096, 16384, 32768]);
      expect(Number.isFinite(g.fit.slopeUsPerByte) && Number.isFinite(g.fit.interceptUs)).toBe(true);
      expect(g.fit.r2 >= 0 && g.fit.r2 <= 1 + 1e-9).toBe(true);
    }
  });

  it('scales 1, 2, 4 and 8 threads on separate devices and one shared bus; per-thread counts add up', () => {
    for (const layout of ['separate', 'shared'] as const) {
      const pts = result.scale.filter((p) => p.layout === layout && p.op === 'read 16 B');
      expect(pts.map((p) => p.threads)).toEqual([1, 2, 4, 8]);
      for (const p of pts) {
        expect(p.perThread).toHaveLength(p.threads);
        for (const c of p.perThread) expect(c).toBeGreaterThan(0);
        const total = p.perThread.reduce((a, b) => a + b, 0);
        expect(p.aggregateOpsPerSec).toBeCloseTo(total / (p.windowMs / 1000), 6);
      }
    }
  });

  it('attributes the slow reads of the tail suite, and measures memory and cold start', () => {
    const t = result.tails[0]!;
    expect(t.slowDuringWorkerGc + t.slowDuringKernelGc + t.slowOther).toBe(t.slow);
    expect(t.us.p999).toBeGreaterThanOrEqual(t.us.p99);
    expect(result.rss!.threads).toEqual([0, 1, 4, 8]);
    expect(result.rss!.rssMiB[3]!).toBeGreaterThan(result.rss!.rssMiB[0]!);
    expect(result.cli!.command).toMatch(/read eeprom0 0 16$/);
    expect(result.cli!.ratio).toBeCloseTo(result.cli!.cliMs.median / result.cli!.nodeBareMs.median, 6);
  });

  it('compares serprog with a bare client on the emulated programmer (where python3 and serialport are present)', () => {
    const sp = result.serprog;
    if (!sp) return;
    expect(sp.read32k.map((x) => x.path)).toEqual(['(a) in kernel', '(c) user driver, sync', 'library -> driver thread, sync']);
    expect(sp.ratio).toBeCloseTo(sp.read32k[2]!.us.median / sp.bareRead32k.median, 6);
    expect(sp.readChunk).toBeGreaterThan(0);
  });

  it('lists every target with its goal and a verdict where it was measured', () => {
    expect(result.targets.length).toBeGreaterThan(10);
    for (const t of result.targets) {
      expect(t.goal).toMatch(/^[<>]= /);
      if (t.value === undefined) expect(t.met).toBeUndefined();
      else expect(typeof t.met).toBe('boolean');
      if (t.met === false) expect(t.gap).toBeTruthy();
    }
  });

  it('writes the JSON and the SVG charts into --out', () => {
    const files = readdirSync(out).sort();
    expect(files).toEqual(['result.json', 'scale.svg', 'throughput-vs-size.svg', 'whole-part.svg']);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))).toEqual(result);
    for (const f of files.filter((x) => x.endsWith('.svg'))) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});
