/**
 * Devicetree bindings in Zephyr's YAML style, and validation of a tree against them.
 *
 * A binding file names a `compatible`, may `include` other files (a name, a list of names, or
 * a list of `{ name: file }`), and lists `properties` with `type` (int, array, uint8-array,
 * string, string-array, boolean, phandle, phandles, phandle-array), `required`, `default`,
 * `enum`, `const` and `description`. An including file's settings override the included ones per
 * property. `validateTree` checks every enabled node whose compatible has a binding: missing
 * required properties, wrong types and values outside `enum`/`const` are errors naming the node
 * path, the property and the binding file; a compatible without a binding is a warning (the
 * root's compatible names the board and is not checked).
 *
 * The package's own bindings are compiled to JSON at build time (`compileBindings`, run by
 * compile-bindings.ts), with the SHA-256 of every YAML file they came from; `builtinBindings()`
 * uses that data when every source file still matches, and otherwise reads the YAML. The YAML
 * parser is loaded only when YAML is read, so a command run on built-in bindings never loads it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Yaml from 'yaml';
import { HilError } from '../abi/errno';
import { EEPROM_PARTS, FAMILY_COMPATIBLE } from './parts';
import { compatibles, findByPhandle, isEnabled, nodePath, type DtNode, type DtTree, type SourceLoc } from './tree';

export const PROP_TYPES = ['int', 'array', 'uint8-array', 'string', 'string-array', 'boolean', 'phandle', 'phandles', 'phandle-array'] as const;
export type PropType = (typeof PROP_TYPES)[number];

export interface PropSpec {
  readonly type?: PropType | undefined;
  readonly required: boolean;
  readonly default?: number | string | boolean | number[] | string[] | undefined;
  readonly enum?: readonly (number | string)[] | undefined;
  readonly const?: number | string | undefined;
  readonly description?: string | undefined;
}

export interface Binding {
  readonly compatible: string;
  /** The binding file (path as loaded). */
  readonly file: string;
  readonly description: string;
  readonly properties: ReadonlyMap<string, PropSpec>;
}

export type Bindings = ReadonlyMap<string, Binding>;

export interface DtDiagnostic {
  readonly path: string;
  readonly property?: string | undefined;
  readonly compatible?: string | undefined;
  readonly bindingFile?: string | undefined;
  readonly loc?: SourceLoc | undefined;
  readonly message: string;
}

type Raw = Record<string, unknown>;

const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function badBinding(file: string, what: string): HilError {
  return new HilError('EINVAL', `binding ${file}: ${what}`);
}

let yamlParse: typeof Yaml.parse | undefined;
/** The `yaml` package, loaded on first use: it costs a large share of a short command's start-up. */
function parseYaml(text: string): unknown {
  yamlParse ??= (require('yaml') as typeof Yaml).parse;
  return yamlParse(text);
}

/** Files read while loading bindings: path as loaded → SHA-256 of their bytes. */
type SourceHashes = Map<string, string>;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function readYaml(file: string, sources?: SourceHashes): Raw {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new HilError((e as { code?: string }).code === 'ENOENT' ? 'ENOENT' : 'EIO', `cannot read binding ${file}: ${(e as Error).message}`);
  }
  sources?.set(file, sha256(bytes));
  let doc: unknown;
  try {
    doc = parseYaml(bytes.toString('utf8'));
  } catch (e) {
    throw badBinding(file, `not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw badBinding(file, 'the top level must be a mapping');
  return doc;
}

function includeNames(file: string, inc: unknown): string[] {
  if (inc === undefined) return [];
  if (typeof inc === 'string') return [inc];
  if (!Array.isArray(inc)) throw badBinding(file, '"include" must be a file name or a list');
  return inc.map((e) => {
    if (typeof e === 'string') return e;
    if (isObj(e) && typeof e.name === 'string') return e.name;
    throw badBinding(file, '"include" entries must be names or { name: file }');
  });
}

function propSpec(file: string, name: string, raw: unknown, base: PropSpec | undefined): PropSpec {
  if (!isObj(raw)) throw badBinding(file, `property "${name}" must be a mapping`);
  const type = raw.type ?? base?.type;
  if (type !== undefined && !(PROP_TYPES as readonly unknown[]).includes(type)) throw badBinding(file, `property "${name}" has unknown type "${String(type)}" (known: ${PROP_TYPES.join(', ')})`);
  const en = raw.enum ?? base?.enum;
  if (en !== undefined && !(Array.isArray(en) && en.every((v) => typeof v === 'number' || typeof v === 'string'))) throw badBinding(file, `property "${name}": enum must be a list of numbers or strings`);
  const required = raw.required ?? base?.required ?? false;
  if (typeof required !== 'boolean') throw badBinding(file, `property "${name}": required must be true or false`);
  return {
    type: type as PropType | undefined,
    required,
    default: (raw.default ?? base?.default) as PropSpec['default'],
    enum: en as PropSpec['enum'],
    const: (raw.const ?? base?.const) as PropSpec['const'],
    description: typeof raw.description === 'string' ? raw.description : base?.description,
  };
}

/** Properties of `file` with its includes merged in (includes first, the file's own override). */
function loadProps(file: string, dir: string, seen: readonly string[], sources: SourceHashes | undefined): Map<string, PropSpec> {
  if (seen.includes(file)) throw badBinding(file, `include cycle: ${[...seen, file].map((f) => path.basename(f)).join(' -> ')}`);
  const doc = readYaml(file, sources);
  const props = new Map<string, PropSpec>();
  for (const inc of includeNames(file, doc.include)) {
    const incFile = path.join(dir, inc);
    if (!fs.existsSync(incFile)) throw badBinding(file, `included file "${inc}" not found in ${dir}`);
    for (const [k, v] of loadProps(incFile, dir, [...seen, file], sources)) props.set(k, v);
  }
  if (doc.properties !== undefined) {
    if (!isObj(doc.properties)) throw badBinding(file, '"properties" must be a mapping');
    for (const [k, v] of Object.entries(doc.properties)) props.set(k, propSpec(file, k, v, props.get(k)));
  }
  return props;
}

const isBindingFile = (f: string): boolean => f.endsWith('.yaml') || f.endsWith('.yml');

/** Loads every *.yaml in `dir`; files with a `compatible` become bindings, others are include-only. */
export function loadBindings(dir: string): Map<string, Binding> {
  return loadBindingsFrom(dir, undefined);
}

function loadBindingsFrom(dir: string, sources: SourceHashes | undefined): Map<string, Binding> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter(isBindingFile).sort();
  } catch (e) {
    throw new HilError('ENOENT', `cannot read the bindings directory ${dir}: ${(e as Error).message}`);
  }
  const out = new Map<string, Binding>();
  for (const name of names) {
    const file = path.join(dir, name);
    const doc = readYaml(file, sources);
    if (doc.compatible === undefined) continue;
    if (typeof doc.compatible !== 'string') throw badBinding(file, '"compatible" must be a string');
    const prev = out.get(doc.compatible);
    if (prev) throw badBinding(file, `compatible "${doc.compatible}" is already described by ${prev.file}`);
    out.set(doc.compatible, {
      compatible: doc.compatible,
      file,
      description: typeof doc.description === 'string' ? doc.description.trim() : '',
      properties: loadProps(file, dir, [], sources),
    });
  }
  return out;
}

/** Version of the compiled form; data of another version is not used. */
export const COMPILED_BINDINGS_FORMAT = 1;
/** The compiled built-in bindings, next to this module once built (dist/src/devicetree/). */
export const COMPILED_BINDINGS_FILE = 'builtin-bindings.json';

/** A property spec as JSON holds it (absent fields are undefined in a `PropSpec`). */
export interface CompiledPropSpec {
  readonly type?: PropType;
  readonly required: boolean;
  readonly default?: number | string | boolean | number[] | string[];
  readonly enum?: readonly (number | string)[];
  readonly const?: number | string;
  readonly description?: string;
}

/** Bindings of one directory as data: the merged result of loading its YAML, and where it came from. */
export interface CompiledBindings {
  readonly format: number;
  /** Every file read, relative to the directory, with the SHA-256 of its bytes. */
  readonly sources: readonly { readonly file: string; readonly sha256: string }[];
  /** In load order; `file` relative to the directory; properties in merge order. */
  readonly bindings: readonly {
    readonly compatible: string;
    readonly file: string;
    readonly description: string;
    readonly properties: readonly (readonly [string, CompiledPropSpec])[];
  }[];
}

/** Reads the YAML bindings of `dir` (includes merged, as `loadBindings`) into data for JSON. */
export function compileBindings(dir: string): CompiledBindings {
  const sources: SourceHashes = new Map();
  const loaded = loadBindingsFrom(dir, sources);
  return {
    format: COMPILED_BINDINGS_FORMAT,
    sources: [...sources].map(([file, hash]) => ({ file: path.relative(dir, file), sha256: hash })),
    bindings: [...loaded.values()].map((b) => ({
      compatible: b.compatible,
      file: path.relative(dir, b.file),
      description: b.description,
      properties: [...b.properties].map(([name, spec]) => [name, JSON.parse(JSON.stringify(spec)) as CompiledPropSpec] as const),
    })),
  };
}

/** Bindings from compiled data, their files resolved against `dir`: what `loadBindings(dir)` gives. */
export function bindingsFromCompiled(data: CompiledBindings, dir: string): Map<string, Binding> {
  const out = new Map<string, Binding>();
  for (const b of data.bindings) {
    const properties = new Map<string, PropSpec>();
    for (const [name, p] of b.properties) {
      properties.set(name, { type: p.type, required: p.required, default: p.default, enum: p.enum, const: p.const, description: p.description });
    }
    out.set(b.compatible, { compatible: b.compatible, file: path.join(dir, b.file), description: b.description, properties });
  }
  return out;
}

/**
 * The bindings compiled into `dataFile` from `dir`, or undefined when there is no such data (not
 * built, unreadable, another format) or it is stale: a binding file was added, removed or changed
 * since it was compiled. Reads and hashes the sources, but parses no YAML.
 */
export function loadCompiledBindings(dataFile: string, dir: string): Map<string, Binding> | undefined {
  let data: CompiledBindings;
  try {
    data = JSON.parse(fs.readFileSync(dataFile, 'utf8')) as CompiledBindings;
  } catch {
    return undefined;
  }
  if (data?.format !== COMPILED_BINDINGS_FORMAT || !Array.isArray(data.sources) || !Array.isArray(data.bindings)) return undefined;
  try {
    const listed = fs.readdirSync(dir).filter(isBindingFile).sort();
    const compiledHere = data.sources.map((s) => s.file).filter((f) => path.dirname(f) === '.' && isBindingFile(f)).sort();
    if (listed.length !== compiledHere.length || listed.some((f, i) => f !== compiledHere[i])) return undefined;
    for (const s of data.sources) if (sha256(fs.readFileSync(path.join(dir, s.file))) !== s.sha256) return undefined;
  } catch {
    return undefined;
  }
  return bindingsFromCompiled(data, dir);
}

/** dts/bindings of this package, found from this file's location (src/ or dist/src/). */
export function defaultBindingsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'dts', 'bindings');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(__dirname, '..', '..', 'dts', 'bindings');
}

/**
 * Adds a binding for every compatible of the parts table ("atmel,at25256", "st,m95256",
 * "atmel,24c256", …): the family's binding (`atmel,at25` or `atmel,at24`) with the part's size,
 * page size and address width as defaults instead of required properties. A board may then name
 * its part and leave the geometry out; properties it gives anyway are checked as usual.
 */
export function withPartBindings(bindings: ReadonlyMap<string, Binding>): Map<string, Binding> {
  const out = new Map(bindings);
  for (const part of EEPROM_PARTS) {
    const family = bindings.get(FAMILY_COMPATIBLE[part.kind]);
    if (!family) continue;
    const geometry: Readonly<Record<string, number>> = { size: part.size, pagesize: part.pageSize, 'address-width': part.addressWidth };
    const properties = new Map(family.properties);
    for (const [name, value] of Object.entries(geometry)) {
      const spec = properties.get(name);
      properties.set(name, { ...(spec ?? {}), required: false, default: value });
    }
    const also = part.also.length ? ` (also ${part.also.join(', ')})` : '';
    for (const compatible of part.compatibles) {
      if (out.has(compatible)) continue;
      out.set(compatible, { compatible, file: family.file, description: `${part.name}${also}, from the parts table: ${family.description}`, properties });
    }
  }
  return out;
}

let cached: Bindings | undefined;
/**
 * The package's own bindings, loaded once: from the data compiled at build time when it matches
 * the YAML files, else (running from sources, or a binding edited since the build) from the YAML;
 * plus one per compatible of the parts table (withPartBindings).
 */
export function builtinBindings(): Bindings {
  if (!cached) {
    const dir = defaultBindingsDir();
    cached = withPartBindings(loadCompiledBindings(path.join(__dirname, COMPILED_BINDINGS_FILE), dir) ?? loadBindings(dir));
  }
  return cached;
}

/** The first of the node's compatibles that has a binding (a part's compatible matches in any case, as "atmel,at25256B"). */
export function bindingFor(node: DtNode, bindings: Bindings): Binding | undefined {
  for (const c of compatibles(node)) {
    const b = bindings.get(c) ?? bindings.get(c.toLowerCase());
    if (b) return b;
  }
  return undefined;
}

function strings(v: Uint8Array): string[] | undefined {
  if (v.length === 0 || v[v.length - 1] !== 0) return undefined;
  return Buffer.from(v.subarray(0, v.length - 1)).toString('latin1').split('\0');
}

function cells(v: Uint8Array): number[] | undefined {
  if (v.length % 4 !== 0) return undefined;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return Array.from({ length: v.length / 4 }, (_, i) => dv.getUint32(i * 4));
}

/** Checks one property value against its spec; returns a problem description or undefined. */
function checkValue(tree: DtTree, v: Uint8Array, spec: PropSpec): string | undefined {
  const c = cells(v);
  const s = strings(v);
  switch (spec.type) {
    case 'int':
      if (!c || c.length !== 1) return `must be one 32-bit cell (type int), but is ${v.length} bytes`;
      break;
    case 'array':
      if (!c) return `must be a list of 32-bit cells (type array), but is ${v.length} bytes`;
      break;
    case 'string':
      if (!s || s.length !== 1) return s ? `must be one string (type string), but holds ${s.length}` : 'must be a NUL-terminated string (type string)';
      break;
    case 'string-array':
      if (!s) return 'must be a list of strings (type string-array)';
      break;
    case 'boolean':
      if (v.length !== 0) return `is a flag (type boolean) and must have no value, but has ${v.length} bytes`;
      break;
    case 'phandle':
    case 'phandles':
    case 'phandle-array': {
      if (!c || c.length === 0 || (spec.type === 'phandle' && c.length !== 1)) return `must be ${spec.type === 'phandle' ? 'one <&node> reference' : 'a list of <&node> references'} (type ${spec.type})`;
      const refs = spec.type === 'phandle-array' ? [c[0]!] : c;
      for (const ph of refs) if (!findByPhandle(tree, ph)) return `refers to phandle ${ph}, which no node has`;
      break;
    }
    default:
      break;
  }
  const allowed = spec.const !== undefined ? [spec.const] : spec.enum;
  if (allowed) {
    const value: number | string | undefined = typeof allowed[0] === 'number' ? (c?.length === 1 ? c[0] : undefined) : s?.length === 1 ? s[0] : undefined;
    if (value === undefined || !allowed.includes(value)) {
      const shown = allowed.map((a) => (typeof a === 'string' ? `"${a}"` : String(a))).join(', ');
      return `is ${value === undefined ? 'not a single value' : typeof value === 'string' ? `"${value}"` : String(value)}, but must be ${spec.const !== undefined ? shown : `one of ${shown}`}`;
    }
  }
  return undefined;
}

export interface ValidationResult {
  readonly errors: DtDiagnostic[];
  readonly warnings: DtDiagnostic[];
}

/** Validates every enabled node that has a compatible against its binding. */
export function validateTree(tree: DtTree, bindings: Bindings = builtinBindings()): ValidationResult {
  const errors: DtDiagnostic[] = [];
  const warnings: DtDiagnostic[] = [];
  const visit = (node: DtNode, parentEnabled: boolean): void => {
    let enabled = parentEnabled;
    try {
      enabled = parentEnabled && isEnabled(node);
    } catch (e) {
      errors.push({ path: nodePath(node), property: 'status', loc: node.props.get('status')?.loc, message: (e as Error).message });
    }
    // The root's compatible names the board, which has no binding.
    if (enabled && node !== tree.root) checkNode(tree, node, bindings, errors, warnings);
    for (const c of node.children) visit(c, enabled);
  };
  visit(tree.root, true);
  return { errors, warnings };
}

function checkNode(tree: DtTree, node: DtNode, bindings: Bindings, errors: DtDiagnostic[], warnings: DtDiagnostic[]): void {
  const p = nodePath(node);
  let compats: string[];
  try {
    compats = compatibles(node);
  } catch (e) {
    errors.push({ path: p, property: 'compatible', loc: node.props.get('compatible')?.loc, message: (e as Error).message });
    return;
  }
  if (compats.length === 0) return;
  const binding = bindingFor(node, bindings);
  if (!binding) {
    warnings.push({ path: p, property: 'compatible', compatible: compats[0], loc: node.loc, message: `${p}: no binding for compatible ${compats.map((c) => `"${c}"`).join(', ')}; its properties are not checked` });
    return;
  }
  const where = `(binding ${binding.compatible}: ${binding.file})`;
  for (const [name, spec] of binding.properties) {
    const prop = node.props.get(name);
    if (!prop) {
      if (spec.required) errors.push({ path: p, property: name, compatible: binding.compatible, bindingFile: binding.file, loc: node.loc, message: `${p}: required property "${name}" is missing ${where}` });
      continue;
    }
    const problem = checkValue(tree, prop.value, spec);
    if (problem) errors.push({ path: p, property: name, compatible: binding.compatible, bindingFile: binding.file, loc: prop.loc, message: `${p}: property "${name}" ${problem} ${where}` });
  }
}

/** Renders diagnostics one per line, with file:line:col when the tree came from source. */
export function formatDiagnostics(diags: readonly DtDiagnostic[], kind: 'error' | 'warning'): string {
  return diags.map((d) => (d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${kind}: ${d.message}` : `${kind}: ${d.message}`)).join('\n');
}
