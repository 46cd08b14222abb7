/**
 * Loads a user program's CommonJS files inside a SES Compartment, with a `require` that resolves
 * only what the confinement policy allows:
 *
 * 1. `hilbridge/user` (the SDK) and hilbridge's user-side modules by path (abi/*, the SDK's public
 *    modules): the already-loaded, hardened instances, so there is one HilError class and one
 *    syscall table in the thread;
 * 2. `hilbridge/drivers` and hilbridge's userdrivers/* by path: evaluated in the compartment like
 *    the program (the built-in drivers are confined too), once per thread, then hardened;
 * 3. the program's own files (and pure-JavaScript packages in its node_modules) under its package
 *    root, by real path (no `..` or symlink escapes);
 * 4. nothing else: no Node built-in, no native addon, no file outside the package root, no
 *    ES module, no other hilbridge module. The refusal names the module and the rule.
 *
 * Each file is evaluated as `(function (exports, require, module, __filename, __dirname) {…})`
 * on the same first line as its source, with a sourceURL, so stack lines stay right. Hand-written
 * because it is exactly this policy: LavaMoat's loader and SES's module loader work from a policy
 * file or ES modules respectively, and would add a build step or Babel (hundreds of ms per worker).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HilError } from '../../abi/errno';
import type { CompartmentLike } from './ses';

export interface LoaderPolicy {
  readonly compartment: CompartmentLike;
  /** hilbridge's compiled sources (dist/src). */
  readonly hilbridgeDist: string;
  /** Trusted, hardened module instances by path relative to hilbridgeDist, without ".js" ("abi/errno"). */
  readonly trusted: ReadonlyMap<string, unknown>;
  /** Folders under hilbridgeDist whose files are evaluated confined ("userdrivers"). */
  readonly confinedDirs: readonly string[];
  /** The program's package root: the nearest folder above it with a package.json, else its folder. */
  readonly programRoot: string;
  readonly harden: <T>(x: T) => T;
  /** Tells the stack mapper about each file evaluated (for its source map). */
  readonly onSource?: (file: string, source: string) => void;
}

interface CjsModule {
  exports: unknown;
}

type Wrapper = (this: unknown, exports: unknown, require: (spec: string) => unknown, module: CjsModule, filename: string, dirname: string) => void;

const EXTENSIONS = ['', '.js', '.cjs', '.json'];
const SDK_NAMES: Readonly<Record<string, string>> = { 'hilbridge/user': 'user/index', 'hilbridge/drivers': 'userdrivers/index' };

function inside(dir: string, file: string): boolean {
  const r = relative(dir, file);
  return r !== '' && !r.startsWith('..') && !r.startsWith(sep) && !/^[a-zA-Z]:/.test(r);
}

/** The nearest folder at or above `file`'s folder that holds a package.json (else the file's folder). */
export function packageRootOf(file: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(file);
    dir = up;
  }
}

export class ConfinedLoader {
  private readonly cache = new Map<string, CjsModule>();
  private readonly hardenedFiles = new Set<string>();

  constructor(private readonly p: LoaderPolicy) {}

  /** Loads the program's main file and returns its exports. */
  loadMain(file: string): unknown {
    const real = this.realFile(file, file);
    return this.load(real);
  }

  private refuse(from: string, spec: string, rule: string): never {
    throw new HilError('EPERM', `${from}: require("${spec}") refused: ${rule}. A user program may require hilbridge/user, hilbridge/drivers and its own files (see docs/user-programs.md)`);
  }

  private require(from: string, spec: unknown): unknown {
    if (typeof spec !== 'string') throw new HilError('EINVAL', `${from}: require() takes a string`);
    const sdk = SDK_NAMES[spec];
    if (sdk !== undefined) return this.hilbridgeModule(from, spec, sdk);
    if (spec === 'hilbridge' || spec.startsWith('hilbridge/')) this.refuse(from, spec, "hilbridge's kernel-side library is not available in a user thread");
    if (isBuiltin(spec)) this.refuse(from, spec, `"${spec}" is a Node built-in module; a user program reaches hardware only through rt (syscalls)`);
    let target: string;
    if (spec.startsWith('.') || spec.startsWith('/')) {
      target = this.realFile(from, resolve(dirname(from), spec));
    } else {
      let found: string;
      try {
        found = require.resolve(spec, { paths: [dirname(from)] });
      } catch {
        this.refuse(from, spec, 'no such package under the program');
      }
      target = this.realFile(from, found);
    }
    const dist = this.p.hilbridgeDist;
    if (inside(dist, target)) {
      const rel = relative(dist, target).split(sep).join('/').replace(/\.js$/, '');
      return this.hilbridgeModule(from, spec, rel);
    }
    if (!inside(this.p.programRoot, target)) this.refuse(from, spec, `it resolves to ${target}, outside the program's package root ${this.p.programRoot}`);
    return this.load(target);
  }

  /** A hilbridge module by its path under dist/src: a trusted instance, or a confined evaluation. */
  private hilbridgeModule(from: string, spec: string, rel: string): unknown {
    if (this.p.trusted.has(rel)) return this.p.trusted.get(rel);
    if (this.p.confinedDirs.some((d) => rel.startsWith(`${d}/`))) {
      const file = join(this.p.hilbridgeDist, `${rel}.js`);
      const exports = this.load(this.realFile(from, file));
      if (!this.hardenedFiles.has(file)) {
        this.p.harden(exports);
        this.hardenedFiles.add(file);
      }
      return exports;
    }
    return this.refuse(from, spec, `hilbridge's ${rel} is kernel-side or trusted code, not available to user programs`);
  }

  private realFile(from: string, path: string): string {
    for (const ext of EXTENSIONS) {
      const candidates = ext === '' ? [path, join(path, 'index.js')] : [`${path}${ext}`];
      for (const c of candidates) {
        try {
          if (statSync(c).isFile()) return realpathSync(c);
        } catch {
          /* try the next */
        }
      }
    }
    throw new HilError('ENOENT', `${from}: cannot find module ${path}`);
  }

  private load(file: string): unknown {
    const cached = this.cache.get(file);
    if (cached) return cached.exports;
    const ext = extname(file);
    const mod: CjsModule = { exports: {} };
    this.cache.set(file, mod);
    try {
      if (ext === '.json') {
        mod.exports = this.p.harden(JSON.parse(readFileSync(file, 'utf8')) as unknown);
        return mod.exports;
      }
      if (ext !== '.js' && ext !== '.cjs') {
        const why = ext === '.node' ? 'native addons cannot be loaded in a user thread' : ext === '.mjs' ? 'ES modules are not supported: compile the program to CommonJS' : `"${ext}" files cannot be loaded`;
        throw new HilError('EPERM', `${file}: ${why}`);
      }
      const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
      this.p.onSource?.(file, source);
      const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})\n//# sourceURL=${pathToFileURL(file).href}\n`;
      const fn = this.p.compartment.evaluate(wrapped) as Wrapper;
      const req = this.p.harden((spec: string): unknown => this.require(file, spec));
      fn.call(mod.exports, mod.exports, req, mod, file, dirname(file));
      return mod.exports;
    } catch (e) {
      this.cache.delete(file);
      throw e;
    }
  }
}
