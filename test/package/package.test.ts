/**
 * The published package as a user gets it. `npm pack` of this tree (built by npm test's pretest;
 * --ignore-scripts, so the dist/ other test files are loading is not rebuilt under them), installed
 * from the tarball into a temporary project without the optional hardware packages, as on a laptop
 * (dependencies from npm's cache; the registry only for what is not cached). Then: what the tarball
 * holds, `npx hilbridge --help` and `npx hilbridge read eeprom0 0 16`, the shipped library example,
 * and tiny TypeScript consumers of the declarations (ESM `import`, CommonJS `require`) compiled with
 * tsc against the installed package and run.
 *
 * HILBRIDGE_SKIP_PACKAGE_TEST=1 skips this file where a tarball install is impossible; .ci/run
 * unsets it, so CI always runs it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const skip = process.env.HILBRIDGE_SKIP_PACKAGE_TEST === '1';

/** The environment of a child npm: none of the `npm test` run's own npm_* variables (its prefix,
 * package and lifecycle), which would point the child's npm back at this tree. */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_nodedir', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_cafile']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue;
    if (k === 'INIT_CWD' || k === 'NODE' || k.startsWith('HILBRIDGE_')) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

function ok(cmd: string, args: readonly string[], cwd: string, timeoutMs?: number): string {
  const r = run(cmd, args, cwd, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

const describePackage = skip ? describe.skip : describe;
if (skip) console.warn('HILBRIDGE_SKIP_PACKAGE_TEST=1: the installed-package test is skipped');

describePackage('the packed package, installed', () => {
  let work: string;
  let consumer: string;
  let files: Set<string>;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('dist/src is not built: run npm test (its pretest builds) or npm run build');
    work = mkdtempSync(join(tmpdir(), 'hilbridge-package-'));
    const packed = JSON.parse(ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
    const tarball = join(work, packed[0]!.filename);
    files = new Set(packed[0]!.files.map((f) => f.path));

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'hilbridge-consumer', version: '1.0.0', private: true }));
    // @types/node at the version this tree uses, so it is in npm's cache after npm ci.
    const typesNode = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
    ok('npm', ['install', '--prefer-offline', '--omit=optional', '--no-package-lock', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], consumer, 170_000);
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('ships the compiled library, its declarations, the sources its maps name, dts/, docs/, examples/ and LICENSE, and nothing of the dev tree', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'examples/library.mjs', 'dts/mock.dts', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/user/index.js', 'dist/src/user/index.d.ts', 'dist/src/cli/main.js']) {
      expect({ f, shipped: files.has(f) }).toEqual({ f, shipped: true });
    }
    // Every file under docs/, its subdirectories included (docs/bench/ holds the benchmark's charts).
    const docFiles = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docFiles(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
    for (const d of docFiles('docs')) expect({ d, shipped: files.has(d) }).toEqual({ d, shipped: true });
    for (const b of readdirSync(join(ROOT, 'dts', 'bindings'))) expect({ b, shipped: files.has(`dts/bindings/${b}`) }).toEqual({ b, shipped: true });
    const devOnly = [...files].filter((f) => /^(test|bench|scripts|\.ci|dist\/bench|node_modules)\//.test(f) || /^(tsconfig.*\.json|jest.*\.config\.js|package-lock\.json)$/.test(f) || f.endsWith('.tsbuildinfo'));
    expect(devOnly).toEqual([]);
  });

  test('every relative link in the README and docs, and every entry point in package.json, is in the package', () => {
    const missing: string[] = [];
    for (const md of [...files].filter((f) => f.endsWith('.md') && (f === 'README.md' || f.startsWith('docs/')))) {
      for (const m of readFileSync(join(ROOT, md), 'utf8').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const p = posix.normalize(posix.join(posix.dirname(md), target)).replace(/\/$/, '');
        if (!files.has(p) && ![...files].some((f) => f.startsWith(`${p}/`))) missing.push(`${md} -> ${target}`);
      }
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, Record<string, string> | string> };
    const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const e of Object.values(pkg.exports)) entries.push(...(typeof e === 'string' ? [e] : Object.values(e)));
    for (const e of entries) if (!files.has(posix.normalize(e))) missing.push(`package.json -> ${e}`);
    expect(missing).toEqual([]);
  });

  test('every source map in the package names sources that are in the package', () => {
    const unshipped: string[] = [];
    for (const map of [...files].filter((f) => f.endsWith('.map'))) {
      // A map whose own source is gone from src/ is a stale build left in dist/ (npm pack's
      // prepack empties dist/src before building, so it would not be published).
      const own = map.replace(/^dist\//, '').replace(/\.js\.map$/, '.ts');
      if (!existsSync(join(ROOT, own))) continue;
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const s of sources) {
        const p = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', s));
        if (!files.has(p)) unshipped.push(`${map} -> ${p}`);
      }
    }
    expect(unshipped).toEqual([]);
  });

  test('npx hilbridge --help lists the commands', () => {
    const r = run('npx', ['hilbridge', '--help'], consumer);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: hilbridge /m);
    for (const c of ['demo', 'info', 'read', 'write', 'verify', 'erase', 'status', 'protect', 'probe', 'dt']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  }, 120_000);

  test('npx hilbridge read eeprom0 0 16 reads the embedded mock board through its driver thread', () => {
    const r = run('npx', ['hilbridge', 'read', 'eeprom0', '0', '16'], consumer);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toBe(`0000  ${'ff '.repeat(8)} ${'ff '.repeat(8)} |................|\n`);
  }, 120_000);

  test('the shipped examples/library.mjs runs from the installed package', () => {
    const out = ok(process.execPath, [join(consumer, 'node_modules', 'hilbridge', 'examples', 'library.mjs')], consumer);
    expect(out).toMatch(/^across a page boundary \{ busy: false/m);
  }, 120_000);

  // Tiny consumers of the declarations. strict, and skipLibCheck off, so errors in hilbridge's
  // .d.ts files count; the lib is ES2022 only, so nothing comes from the DOM's declarations.
  const ESM = `import { boot, HilError, type EepromHandle, type BootConfig } from 'hilbridge';
import { SYSCALLS, type UserRuntime } from 'hilbridge/user';

export type Main = (rt: UserRuntime) => Promise<void>;
export const syscalls: number = Object.keys(SYSCALLS).length;
export const isHilError = (e: unknown): e is HilError => e instanceof HilError;

export async function readFirst16(config: BootConfig = {}): Promise<string> {
  const hb = await boot(config);
  try {
    const eeprom: EepromHandle = await hb.openEeprom('eeprom0');
    const bytes: Uint8Array = await eeprom.read(0, 16);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  } finally {
    await hb.shutdown();
  }
}
`;
  const CJS = `import hilbridge = require('hilbridge');
import user = require('hilbridge/user');

export type Main = (rt: user.UserRuntime) => Promise<void>;
export const syscalls: number = Object.keys(user.SYSCALLS).length;
export const isHilError = (e: unknown): e is hilbridge.HilError => e instanceof hilbridge.HilError;

export async function readFirst16(config: hilbridge.BootConfig = {}): Promise<string> {
  const hb = await hilbridge.boot(config);
  try {
    const eeprom: hilbridge.EepromHandle = await hb.openEeprom('eeprom0');
    const bytes: Uint8Array = await eeprom.read(0, 16);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  } finally {
    await hb.shutdown();
  }
}
`;
  const compilerOptions = (extra: Record<string, unknown>) => ({ target: 'es2022', lib: ['es2022'], strict: true, skipLibCheck: false, ...extra });
  const tsc = (project: string) => run(process.execPath, [TSC, '-p', project], consumer);
  const expectClean = (r: SpawnSyncReturns<string>) => expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: '' });
  const FIRST16 = Array(16).fill('ff').join(' ');

  test('TypeScript with @types/node: ESM import and CommonJS require (module nodenext) compile, and run', () => {
    const dir = join(consumer, 'nodenext');
    mkdirSync(dir);
    writeFileSync(join(dir, 'esm.mts'), ESM);
    writeFileSync(join(dir, 'cjs.cts'), CJS);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions({ module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], outDir: 'out' }), files: ['esm.mts', 'cjs.cts'] }));
    expectClean(tsc(dir));
    expect(readFileSync(join(dir, 'out', 'cjs.cjs'), 'utf8')).toMatch(/require\("hilbridge"\)/);
    const esm = ok(process.execPath, ['--input-type=module', '-e', `const m = await import('./nodenext/out/esm.mjs'); console.log(m.syscalls > 0, await m.readFirst16())`], consumer);
    expect(esm).toBe(`true ${FIRST16}\n`);
    const cjs = ok(process.execPath, ['-e', `const m = require('./nodenext/out/cjs.cjs'); m.readFirst16().then((s) => console.log(m.syscalls > 0, s))`], consumer);
    expect(cjs).toBe(`true ${FIRST16}\n`);
  }, 120_000);

  test('TypeScript with @types/node: CommonJS under the classic module resolution (module commonjs) compiles, hilbridge/user included', () => {
    const dir = join(consumer, 'classic');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.ts'), CJS);
    // What this adds is resolution (hilbridge/user through typesVersions, as the classic
    // resolution ignores exports); the declarations were checked above, so skip that slow part.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions({ module: 'commonjs', types: ['node'], skipLibCheck: true, outDir: 'out' }), files: ['main.ts'] }));
    expectClean(tsc(dir));
    expect(ok(process.execPath, ['-e', `require('./classic/out/main.js').readFirst16().then(console.log)`], consumer)).toBe(`${FIRST16}\n`);
  }, 120_000);

  test('without @types/node the declarations do not compile, and only because they use Node types (so @types/node is a documented optional peer)', () => {
    // When this fails because tsc succeeds, the public types no longer need Node's: drop the
    // @types/node peer from package.json and the README's note, and make this test expect success.
    const dir = join(consumer, 'no-types');
    mkdirSync(dir);
    writeFileSync(join(dir, 'esm.mts'), `import { boot } from 'hilbridge';\nimport { SYSCALLS } from 'hilbridge/user';\nexport const b: typeof boot = boot;\nexport const n: number = Object.keys(SYSCALLS).length;\n`);
    writeFileSync(join(dir, 'cjs.cts'), `import hilbridge = require('hilbridge');\nexport const b: typeof hilbridge.boot = hilbridge.boot;\n`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions({ module: 'nodenext', moduleResolution: 'nodenext', types: [], noEmit: true }), files: ['esm.mts', 'cjs.cts'] }));
    const r = tsc(dir);
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(r.status).not.toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    // Every error is in hilbridge's declarations and is a missing Node module or global.
    const other = errors.filter((l) => !/^(\.\.\/)*node_modules\/hilbridge\/dist\/src\/\S+\.d\.ts\(\d+,\d+\): error TS(2307: Cannot find module 'node:|2304: Cannot find name '(AbortSignal|Buffer)'|2503: Cannot find namespace 'NodeJS')/.test(l));
    expect(other).toEqual([]);
  }, 120_000);
});

test('CI runs the suite under exactly the Node lines package.json supports, at the floors the README names', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const ranges = pkg.engines.node.split('||').map((r) => r.trim());
  const floors = ranges.map((r) => /^\^(\d+)\.(\d+)\.(\d+)$/.exec(r));
  expect(floors.every((m) => m !== null)).toBe(true); // one caret range per line, nothing open-ended
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  const matrix = /^bash scripts\/test-node\.sh ((?:\d+ ?)+)$/m.exec(ci);
  expect(matrix?.[1]!.trim().split(' ')).toEqual(floors.map((m) => m![1]));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const requirements = readme.slice(readme.indexOf('Requirements:'), readme.indexOf('Requirements:') + 400);
  for (const m of floors) {
    const named = m![2] === '0' && m![3] === '0' ? new RegExp(`\\b${m![1]}\\b`) : new RegExp(`\\b${m![1]}\\.${m![2]} or newer`);
    expect({ line: m![1], named: named.test(requirements) }).toEqual({ line: m![1], named: true });
  }
});
