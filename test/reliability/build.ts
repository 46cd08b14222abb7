/**
 * The reliability harnesses' worker programs load as JavaScript from dist/test/harness/ (built by
 * test/harness/tsconfig.json, which `npm test`'s build step does not cover): build it when it is
 * missing or older than a harness source, as test/bench does for the benchmark. Also the seed of
 * a short run: HILBRIDGE_SEED if set (to repeat a failure), else a fresh one the test prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomSeed } from '../harness/lib/prng';

export const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function stale(): boolean {
  return tsFiles(join(ROOT, 'test', 'harness')).some((src) => {
    const out = join(ROOT, 'dist', src.slice(ROOT.length + 1).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Builds dist/test/harness/ if a source is newer. Jest runs test files in parallel: one builds
 * while the others wait on a lock directory (and then find it fresh), so no test's worker threads
 * load a file another build is rewriting. (`npm test` builds it first anyway: the pretest script.)
 */
export function ensureHarnessBuilt(): void {
  if (!stale()) return;
  const dist = join(ROOT, 'dist');
  mkdirSync(dist, { recursive: true });
  const lock = join(dist, '.harness-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than five minutes is left over from a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'test', 'harness', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The seed of this run, printed so that a failure can be repeated with HILBRIDGE_SEED=…. */
export function runSeed(harness: string): number {
  const fromEnv = process.env.HILBRIDGE_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : randomSeed();
  process.stderr.write(`${harness}: seed ${seed} (repeat with HILBRIDGE_SEED=${seed})\n`);
  return seed;
}
