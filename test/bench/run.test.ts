/**
 * The benchmark's machine-readable output is well formed: `node dist/bench/run.js --quick --json`
 * exits 0 and prints one JSON object with every path measured, sane summaries and syscall counts.
 * No timing is asserted (figures depend on the machine and its load); only shape and consistency.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, Row } from '../../bench/result';

const ROOT = join(__dirname, '..', '..');
const RUN = join(ROOT, 'dist', 'bench', 'run.js');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Builds dist/bench/ when it is missing or older than a bench source (`npm test` builds only src/). */
function ensureBuilt(): void {
  const sources = tsFiles(join(ROOT, 'bench'));
  const stale = sources.some((src) => {
    const out = join(ROOT, 'dist', src.slice(ROOT.length + 1).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
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

describe('npm run bench --quick --json', () => {
  let result: BenchResult;

  beforeAll(() => {
    ensureBuilt();
    const p = spawnSync(process.execPath, [RUN, '--quick', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    if (p.status !== 0) throw new Error(`bench exited ${p.status}: ${p.stderr}\n${p.stdout.slice(0, 2000)}`);
    const lines = p.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    result = JSON.parse(lines[0]!) as BenchResult;
  }, 300_000);

  it('identifies the run and the machine', () => {
    expect(result.tool).toBe('hilbridge-bench');
    expect(result.mode).toBe('quick');
    expect(Number.isNaN(Date.parse(result.startedAt))).toBe(false);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.wallSeconds).toBeGreaterThan(0);
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
});
