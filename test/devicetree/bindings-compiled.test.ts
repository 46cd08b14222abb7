/**
 * Bindings compiled at build time: the compiled data gives exactly what loading the YAML gives
 * (includes merged), the build's copy matches the YAML in dts/bindings (a stale copy fails here),
 * compiled data whose sources changed is not used, and the built-in bindings load no YAML parser.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindingsFromCompiled, COMPILED_BINDINGS_FILE, COMPILED_BINDINGS_FORMAT, compileBindings, loadBindings, loadCompiledBindings, withPartBindings, type CompiledBindings } from '../../src/devicetree/bindings';
import { writeCompiledBindings } from '../../src/devicetree/compile-bindings';

const ROOT = path.join(__dirname, '..', '..');
const BINDINGS = path.join(ROOT, 'dts', 'bindings');
const BUILT = path.join(ROOT, 'dist', 'src', 'devicetree', COMPILED_BINDINGS_FILE);

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilbridge-compiled-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the shipped bindings and their compiled data, in `tmp`. */
function copy(): { dir: string; data: string } {
  const dir = path.join(tmp, 'bindings');
  fs.cpSync(BINDINGS, dir, { recursive: true });
  const data = path.join(tmp, 'compiled.json');
  writeCompiledBindings(dir, data);
  return { dir, data };
}

test('compiled data gives exactly what loading the YAML gives, includes merged, after a JSON round trip', () => {
  const data = JSON.parse(JSON.stringify(compileBindings(BINDINGS))) as CompiledBindings;
  expect(data.format).toBe(COMPILED_BINDINGS_FORMAT);
  const fromYaml = loadBindings(BINDINGS);
  const fromData = bindingsFromCompiled(data, BINDINGS);
  expect(fromData).toStrictEqual(fromYaml);
  expect([...fromData.keys()]).toEqual([...fromYaml.keys()]);
  for (const [c, b] of fromYaml) expect([...fromData.get(c)!.properties.keys()]).toEqual([...b.properties.keys()]);
  // every file read is recorded, include-only files too
  expect(data.sources.map((s) => s.file).sort()).toEqual(fs.readdirSync(BINDINGS).filter((f) => f.endsWith('.yaml')).sort());
});

test('the build compiled dts/bindings and its data is not stale (else: npm run build)', () => {
  expect(fs.existsSync(BUILT)).toBe(true);
  const built = JSON.parse(fs.readFileSync(BUILT, 'utf8')) as CompiledBindings;
  expect(built).toEqual(JSON.parse(JSON.stringify(compileBindings(BINDINGS))));
  expect(loadCompiledBindings(BUILT, BINDINGS)).toStrictEqual(loadBindings(BINDINGS));
});

test('compiled data is used only while every source file is unchanged', () => {
  const { dir, data } = copy();
  const fresh = loadCompiledBindings(data, dir);
  expect(fresh).toStrictEqual(loadBindings(dir));

  // an include-only file edited: the merged properties of its includers may differ
  const base = path.join(dir, 'base.yaml');
  const text = fs.readFileSync(base, 'utf8');
  fs.writeFileSync(base, text.replace('description: Human-readable name.', 'description: Changed.'));
  expect(loadCompiledBindings(data, dir)).toBeUndefined();
  fs.writeFileSync(base, text);
  expect(loadCompiledBindings(data, dir)).toBeDefined();

  // a binding added or removed
  fs.writeFileSync(path.join(dir, 'x,new.yaml'), 'compatible: "x,new"\n');
  expect(loadCompiledBindings(data, dir)).toBeUndefined();
  fs.rmSync(path.join(dir, 'x,new.yaml'));
  fs.rmSync(path.join(dir, 'hilbridge,partition.yaml'));
  expect(loadCompiledBindings(data, dir)).toBeUndefined();
});

test('missing, unreadable or other-format data is not used', () => {
  const { dir, data } = copy();
  expect(loadCompiledBindings(path.join(tmp, 'absent.json'), dir)).toBeUndefined();
  fs.writeFileSync(path.join(tmp, 'garbage.json'), '{ not json');
  expect(loadCompiledBindings(path.join(tmp, 'garbage.json'), dir)).toBeUndefined();
  const other = { ...(JSON.parse(fs.readFileSync(data, 'utf8')) as CompiledBindings), format: COMPILED_BINDINGS_FORMAT + 1 };
  fs.writeFileSync(path.join(tmp, 'other.json'), JSON.stringify(other));
  expect(loadCompiledBindings(path.join(tmp, 'other.json'), dir)).toBeUndefined();
});

test('the build step fails, naming the file, on a broken binding', () => {
  const dir = path.join(tmp, 'broken');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'x.yaml'), 'compatible: "x,y"\ninclude: missing.yaml\n');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'devicetree', 'compile-bindings.js'), dir, path.join(tmp, 'out.json')], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/x\.yaml: included file "missing.yaml" not found/);
  expect(fs.existsSync(path.join(tmp, 'out.json'))).toBe(false);
});

test('built: validating a board on the built-in bindings loads no YAML parser; an explicit directory still can', () => {
  const script = `
    const dt = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'devicetree'))});
    const yamlLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/yaml/'));
    const tree = dt.parseDtsFile(${JSON.stringify(path.join(ROOT, 'dts', 'mock.dts'))});
    const r = dt.validateTree(tree);
    const before = yamlLoaded();
    const n = dt.loadBindings(${JSON.stringify(BINDINGS)}).size;
    process.stdout.write(JSON.stringify({ errors: r.errors.length, bindings: dt.builtinBindings().size, before, after: yamlLoaded(), n: dt.withPartBindings(dt.loadBindings(${JSON.stringify(BINDINGS)})).size }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
  expect(out).toEqual({ errors: 0, bindings: out.n, before: false, after: true, n: withPartBindings(loadBindings(BINDINGS)).size });
});
