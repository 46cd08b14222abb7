/**
 * The DTS preprocessor: what `cpp -nostdinc -undef -x assembler-with-cpp` and dtc's own
 * `/include/` do for board files, with source positions kept for error messages.
 *
 * Supported: comments (removed), line continuations, `#include "f"` (current file's directory,
 * then include dirs) and `#include <f>` (include dirs only), dtc's `/include/ "f"` on a line of
 * its own, object-like and simple function-like `#define` (no `#`/`##` operators, arguments on
 * the same line), `#undef`, `#ifdef`, `#ifndef`, `#if`/`#elif` (integer expressions, `defined`),
 * `#else`, `#endif`, `#error`; `#pragma`, `#warning` and line markers are ignored. Not supported:
 * `#`/`##`, variadic macros, macro-computed `#include` names, `__FILE__`-style predefined macros
 * (cpp runs with -undef, so there are none to expect). Include cycles are errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorAt, type SourceFiles } from './dts-error';
import { parseExpr, readCharLiteral, readLiteral } from './expr';
import { Scanner, type LineOrigin } from './scanner';
import type { SourceLoc } from './tree';

export interface PreprocessOptions {
  /** Directories searched by `#include <f>`, `#include "f"` and `/include/` (after the file's own). */
  readonly includeDirs?: readonly string[] | undefined;
  /** Predefined macros, as `-D NAME=VALUE` (value "" or "1" for flags). */
  readonly defines?: Readonly<Record<string, string>> | undefined;
}

export interface PreprocessResult {
  readonly text: string;
  readonly origins: LineOrigin[];
}

interface Macro {
  readonly params?: readonly string[] | undefined;
  readonly body: string;
}

interface Conditional {
  /** This branch's lines are kept. */
  active: boolean;
  /** Some branch of this #if has been taken. */
  taken: boolean;
  /** The enclosing context is active. */
  readonly outer: boolean;
  sawElse: boolean;
  readonly loc: SourceLoc;
}

const DIRECTIVES = new Set(['include', 'define', 'undef', 'ifdef', 'ifndef', 'if', 'elif', 'else', 'endif', 'error', 'warning', 'pragma', 'line']);
const MAX_DEPTH = 64;

/** Finds `name` for #include/include: the including file's directory first unless angled. */
function resolveInclude(name: string, fromFile: string, angled: boolean, dirs: readonly string[]): string | undefined {
  const candidates = path.isAbsolute(name) ? [name] : [...(angled ? [] : [path.dirname(fromFile)]), ...dirs].map((d) => path.join(d, name));
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

export class Preprocessor {
  private readonly macros = new Map<string, Macro>();
  private readonly out: string[] = [];
  private readonly origins: LineOrigin[] = [];
  private readonly stack: string[] = [];

  constructor(
    private readonly files: SourceFiles,
    private readonly opts: PreprocessOptions = {},
  ) {
    for (const [name, value] of Object.entries(opts.defines ?? {})) this.macros.set(name, { body: value });
  }

  run(file: string, text: string): PreprocessResult {
    this.processFile(file, text, undefined);
    return { text: this.out.join('\n'), origins: this.origins };
  }

  private fail(loc: SourceLoc, detail: string): never {
    throw errorAt(this.files, loc, detail);
  }

  private processFile(file: string, text: string, includedFrom: SourceLoc | undefined): void {
    const real = (() => {
      try {
        return fs.realpathSync(file);
      } catch {
        return path.resolve(file);
      }
    })();
    if (includedFrom) {
      if (this.stack.includes(real)) this.fail(includedFrom, `include cycle: ${[...this.stack, real].map((f) => path.basename(f)).join(' -> ')}`);
      if (this.stack.length >= MAX_DEPTH) this.fail(includedFrom, `includes nested deeper than ${MAX_DEPTH} levels`);
    }
    this.stack.push(real);
    this.files.add(file, text);
    const lines = text.split(/\r?\n/);
    const conds: Conditional[] = [];
    const active = (): boolean => conds.length === 0 || conds[conds.length - 1]!.active;
    let inComment = false;

    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let raw = lines[i]!;
      // Backslash-newline joins lines (positions after the join map onto the first line).
      while (raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + lines[++i]!;
      const stripped = this.stripComments(raw, inComment);
      inComment = stripped.inComment;
      const line = stripped.text;
      const loc = (col: number): SourceLoc => ({ file, line: lineNo, col });

      const d = /^(\s*)#\s*([a-z]+)\b\s*(.*)$/.exec(line);
      if (d && DIRECTIVES.has(d[2]!)) {
        this.directive(d[2]!, d[3]!.trim(), loc(d[1]!.length + 1), loc(line.length - d[3]!.length + 1), conds, file);
        continue;
      }
      if (/^\s*#\s*\d+(\s|$)/.test(line)) continue; // cpp line marker
      if (!active()) continue;

      const inc = /^(\s*)\/include\/\s*"([^"]*)"\s*$/.exec(line);
      if (inc) {
        this.include(inc[2]!, false, loc(inc[1]!.length + 1), file);
        continue;
      }
      const stray = line.indexOf('/include/');
      if (stray >= 0 && !this.insideString(line, stray)) this.fail(loc(stray + 1), '/include/ must stand on a line of its own, followed by a quoted file name');

      const expanded = this.expand(line, undefined, new Set(), loc(1));
      this.out.push(expanded.text);
      this.origins.push({ file, line: lineNo, cols: expanded.cols });
    }
    if (conds.length > 0) this.fail(conds[conds.length - 1]!.loc, 'unterminated conditional: #endif is missing');
    this.stack.pop();
  }

  private directive(name: string, rest: string, at: SourceLoc, restAt: SourceLoc, conds: Conditional[], file: string): void {
    const top = conds[conds.length - 1];
    const active = top === undefined || top.active;
    const ident = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest)?.[1];
    switch (name) {
      case 'ifdef':
      case 'ifndef': {
        if (!ident) this.fail(restAt, `#${name} needs a macro name`);
        const cond = this.macros.has(ident) === (name === 'ifdef');
        conds.push({ active: active && cond, taken: cond, outer: active, sawElse: false, loc: at });
        return;
      }
      case 'if': {
        const cond = active ? this.evalIf(rest, restAt) : false;
        conds.push({ active: active && cond, taken: cond, outer: active, sawElse: false, loc: at });
        return;
      }
      case 'elif':
      case 'else': {
        if (!top) this.fail(at, `#${name} without #if`);
        if (top.sawElse) this.fail(at, `#${name} after #else`);
        if (name === 'else') {
          top.sawElse = true;
          top.active = top.outer && !top.taken;
          top.taken = true;
        } else {
          const cond = top.outer && !top.taken ? this.evalIf(rest, restAt) : false;
          top.active = top.outer && !top.taken && cond;
          top.taken ||= cond;
        }
        return;
      }
      case 'endif':
        if (!conds.pop()) this.fail(at, '#endif without #if');
        return;
      default:
        break;
    }
    if (!active) return;
    switch (name) {
      case 'include': {
        const m = /^"([^"]*)"|^<([^>]*)>/.exec(rest);
        if (!m) this.fail(restAt, '#include expects "file" or <file> (computed include names are not supported)');
        this.include(m[1] ?? m[2]!, m[2] !== undefined, at, file);
        return;
      }
      case 'define': {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?\s*(.*)$/.exec(rest);
        if (!m) this.fail(restAt, '#define needs a macro name');
        const body = m[4]!.trim();
        let params: string[] | undefined;
        if (m[2] !== undefined) {
          params = m[3]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
          if (params.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) this.fail(restAt, `macro ${m[1]}: variadic or malformed parameter lists are not supported`);
          if (/#/.test(body.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) this.fail(restAt, `macro ${m[1]}: the # and ## operators are not supported`);
        }
        this.macros.set(m[1]!, { params, body });
        return;
      }
      case 'undef':
        if (!ident) this.fail(restAt, '#undef needs a macro name');
        this.macros.delete(ident);
        return;
      case 'error':
        this.fail(at, `#error ${rest}`);
      default:
        return; // #warning, #pragma, #line: nothing to do
    }
  }

  private include(name: string, angled: boolean, at: SourceLoc, fromFile: string): void {
    const dirs = this.opts.includeDirs ?? [];
    const found = resolveInclude(name, fromFile, angled, dirs);
    if (!found) {
      const searched = [...(angled ? [] : [path.dirname(fromFile)]), ...dirs];
      this.fail(at, `cannot find include file "${name}" (searched: ${searched.join(', ') || 'no directories'}; add one with an include directory option)`);
    }
    let text: string;
    try {
      text = fs.readFileSync(found, 'latin1');
    } catch (e) {
      this.fail(at, `cannot read include file "${found}": ${(e as Error).message}`);
    }
    this.processFile(found, text, at);
  }

  /** Replaces comments by spaces (keeping columns), aware of strings and character literals. */
  private stripComments(line: string, inComment: boolean): { text: string; inComment: boolean } {
    let out = '';
    let i = 0;
    while (i < line.length) {
      if (inComment) {
        const end = line.indexOf('*/', i);
        const stop = end < 0 ? line.length : end + 2;
        out += ' '.repeat(stop - i);
        i = stop;
        if (end >= 0) inComment = false;
        continue;
      }
      const c = line.charAt(i);
      if (c === '"') {
        const m = /^"(?:[^"\\]|\\.)*"?/.exec(line.slice(i))!;
        out += m[0];
        i += m[0].length;
      } else if (c === "'") {
        const m = /^'(?:\\[^']*|[^'\\])'/.exec(line.slice(i));
        const s = m ? m[0] : c;
        out += s;
        i += s.length;
      } else if (line.startsWith('//', i)) {
        out += ' '.repeat(line.length - i);
        i = line.length;
      } else if (line.startsWith('/*', i)) {
        inComment = true;
        out += '  ';
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    return { text: out, inComment };
  }

  private insideString(line: string, at: number): boolean {
    let inStr = false;
    for (let i = 0; i < at; i++) {
      if (line.charAt(i) === '\\') i++;
      else if (line.charAt(i) === '"') inStr = !inStr;
    }
    return inStr;
  }

  /**
   * Expands macros in `text`. `cols` gives each character's source column (identity when absent);
   * expanded text maps to the column of the macro name. `disabled` holds macros being expanded.
   */
  private expand(text: string, cols: readonly number[] | undefined, disabled: Set<string>, at: SourceLoc): { text: string; cols: number[] | undefined } {
    let out = '';
    const outCols: number[] = [];
    let changed = false;
    const colOf = (i: number): number => (cols ? (cols[i] ?? cols[cols.length - 1] ?? 1) : i + 1);
    const emit = (s: string, col: number | ((k: number) => number)): void => {
      for (let k = 0; k < s.length; k++) outCols.push(typeof col === 'number' ? col : col(k));
      out += s;
    };
    let i = 0;
    while (i < text.length) {
      const rest = text.slice(i);
      const lit = /^"(?:[^"\\]|\\.)*"?|^'(?:\\[^']*|[^'\\])'|^\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*/.exec(rest);
      if (lit) {
        const start = i;
        emit(lit[0], (k) => colOf(start + k));
        i += lit[0].length;
        continue;
      }
      const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
      if (!id) {
        emit(text.charAt(i), colOf(i));
        i++;
        continue;
      }
      const name = id[0];
      const macro = disabled.has(name) ? undefined : this.macros.get(name);
      const col = colOf(i);
      if (!macro) {
        const start = i;
        emit(name, (k) => colOf(start + k));
        i += name.length;
        continue;
      }
      let body = macro.body;
      let end = i + name.length;
      if (macro.params) {
        const call = this.readArgs(text, end);
        if (!call) {
          // A function-like macro name without arguments is left alone, as in C.
          const start = i;
          emit(name, (k) => colOf(start + k));
          i += name.length;
          continue;
        }
        if (call.args.length !== macro.params.length && !(macro.params.length === 0 && call.args.length === 1 && call.args[0] === '')) {
          this.fail({ ...at, col }, `macro ${name} takes ${macro.params.length} argument(s), given ${call.args.length}`);
        }
        const values = new Map(macro.params.map((p, k) => [p, this.expand(call.args[k]!.trim(), undefined, disabled, at).text]));
        body = body.replace(/"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*/g, (tok) => values.get(tok) ?? tok);
        end = call.end;
      }
      const inner = new Set(disabled).add(name);
      const sub = this.expand(body, undefined, inner, at);
      emit(sub.text, col);
      changed = true;
      i = end;
    }
    return { text: out, cols: changed || cols ? outCols : undefined };
  }

  /** Reads `( a, b )` starting at text[i] (after optional spaces). */
  private readArgs(text: string, i: number): { args: string[]; end: number } | undefined {
    let j = i;
    while (j < text.length && /\s/.test(text.charAt(j))) j++;
    if (text.charAt(j) !== '(') return undefined;
    const args: string[] = [];
    let depth = 0;
    let cur = '';
    for (j++; j < text.length; j++) {
      const c = text.charAt(j);
      if (c === '"') {
        const m = /^"(?:[^"\\]|\\.)*"?/.exec(text.slice(j))!;
        cur += m[0];
        j += m[0].length - 1;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')' && depth-- === 0) {
        args.push(cur);
        return { args, end: j + 1 };
      }
      if (c === ',' && depth === 0) {
        args.push(cur);
        cur = '';
        continue;
      }
      cur += c;
    }
    return undefined;
  }

  /** Evaluates an #if/#elif expression: `defined`, macros, then unknown identifiers as 0. */
  private evalIf(expr: string, at: SourceLoc): boolean {
    const withDefined = expr.replace(/\bdefined\s*(\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, _g, a?: string, b?: string) =>
      this.macros.has((a ?? b)!) ? '1' : '0',
    );
    const expanded = this.expand(withDefined, undefined, new Set(), at).text.replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, '0');
    const sc = new Scanner(expanded, [{ file: at.file, line: at.line, cols: Array.from(expanded, () => at.col) }], this.files);
    const v = parseExpr(sc, (s) => readLiteral(s) ?? readCharLiteral(s));
    sc.skipWs();
    if (!sc.eof) throw sc.error(`unexpected ${sc.describe()} in #if expression`);
    return v !== 0n;
  }
}

/** Preprocesses `text` (the contents of `file`). */
export function preprocess(file: string, text: string, files: SourceFiles, opts: PreprocessOptions = {}): PreprocessResult {
  return new Preprocessor(files, opts).run(file, text);
}
