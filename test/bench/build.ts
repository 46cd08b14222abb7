/**
 * Builds dist/bench/ for the benchmark's tests when it is missing or older than a bench source
 * (`npm test` builds only src/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

export function ensureBenchBuilt(): void {
  const sources = tsFiles(join(ROOT, 'bench'));
  const stale = sources.some((src) => {
    const out = join(ROOT, 'dist', src.slice(ROOT.length + 1).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
}
