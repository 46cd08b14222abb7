/**
 * The reliability harnesses' worker programs load as JavaScript from dist/test/harness/ (built by
 * test/harness/tsconfig.json, which `npm test`'s build step does not cover): build it when it is
 * missing or older than a harness source, as test/bench does for the benchmark. Also the seed of
 * a short run: HILBRIDGE_SEED if set (to repeat a failure), else a fresh one the test prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomSeed } from '../harness/lib/prng';

export const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

export function ensureHarnessBuilt(): void {
  const sources = tsFiles(join(ROOT, 'test', 'harness'));
  const stale = sources.some((src) => {
    const out = join(ROOT, 'dist', src.slice(ROOT.length + 1).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'test', 'harness', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
}

/** The seed of this run, printed so that a failure can be repeated with HILBRIDGE_SEED=…. */
export function runSeed(harness: string): number {
  const fromEnv = process.env.HILBRIDGE_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : randomSeed();
  process.stderr.write(`${harness}: seed ${seed} (repeat with HILBRIDGE_SEED=${seed})\n`);
  return seed;
}
