/**
 * The layering of docs/ARCHITECTURE.md, checked against the sources' own imports: the arrows that
 * must never exist. Read from the files (static `import … from`, `export … from` and `require()`
 * with a literal path), so it needs no build and fails the moment someone adds one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const SPEC = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;

/** Every relative import of a source file, as a path under src/ (no extension). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) out.push(relative(SRC, resolve(dirname(file), m[1]!)));
  return out;
}

const FILES = tsFiles(SRC).map((f) => ({ file: relative(SRC, f), imports: importsOf(f) }));

function violations(from: (file: string) => boolean, to: (target: string) => boolean): string[] {
  return FILES.filter((f) => from(f.file)).flatMap((f) => f.imports.filter(to).map((t) => `${f.file} -> ${t}`));
}

const under = (dir: string) => (p: string): boolean => p === dir || p.startsWith(`${dir}/`);

it('reads the imports it checks', () => {
  expect(FILES.length).toBeGreaterThan(50);
  expect(FILES.find((f) => f.file === 'cli/program.ts')?.imports.length).toBeGreaterThan(3);
});

it('the ABI is stateless and imports nothing of hilbridge outside itself', () => {
  expect(violations(under('abi'), (t) => !under('abi')(t))).toEqual([]);
});

it('nothing in a worker (user, userdrivers) imports the kernel, the HAL, the library or the CLI', () => {
  const worker = (f: string): boolean => under('user')(f) || under('userdrivers')(f);
  expect(violations(worker, (t) => ['kernel', 'hal', 'host', 'cli', 'index'].some((d) => under(d)(t)))).toEqual([]);
});

it('HAL backends know nothing above them', () => {
  expect(violations(under('hal'), (t) => ['kernel', 'host', 'cli', 'user', 'userdrivers', 'devicetree', 'index'].some((d) => under(d)(t)))).toEqual([]);
});

it('the kernel never imports the library, the CLI or the drivers; of user/ only the device API types', () => {
  expect(violations(under('kernel'), (t) => ['host', 'cli', 'userdrivers', 'index'].some((d) => under(d)(t)))).toEqual([]);
  expect(violations(under('kernel'), (t) => under('user')(t) && t !== 'user/device-api')).toEqual([]);
});

it('the command line imports only the library and the devicetree front end', () => {
  const allowed = (t: string): boolean => under('cli')(t) || t === 'index' || under('host')(t) || t === 'devicetree' || under('devicetree')(t);
  expect(violations(under('cli'), (t) => !allowed(t))).toEqual([]);
});

it('nothing but the backend registry imports the mock backend', () => {
  expect(violations((f) => !under('hal/mock')(f) && f !== 'kernel/board/builtin-backends.ts', under('hal/mock'))).toEqual([]);
});
