/**
 * The DTS v1 grammar as dtc's parser accepts it, building a live tree (live-tree.ts).
 *
 * Input is preprocessed text (preprocessor.ts) read through a Scanner, so every node, property and
 * reference carries the file:line:col of its source. Tokens are context dependent as in dtc's
 * lexer: node and property names may hold `,._+*#?@-`, labels are C identifiers followed by ':',
 * and `< >`, `[ ]` and strings each have their own rules. References are left as markers; their
 * resolution (and phandle assignment) is resolve.ts's job, run after the whole file is read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorAt, type DtsError } from './dts-error';
import { parseExpr, decodeEscape, readCharLiteral, readLiteral } from './expr';
import { addChild, addLabel, deleteNode, findByRef, mergeNodes, newLNode, type LNode, type LProp, type ValuePart } from './parse-tree';
import type { Scanner } from './scanner';
import type { SourceLoc } from './tree';

export interface ParsedSource {
  readonly root: LNode;
  readonly plugin: boolean;
  readonly memreserve: [bigint, bigint][];
}

const NAME_RE = /^\\?[a-zA-Z0-9,._+*#?@-]+/;
const LABEL_RE = /^([a-zA-Z_][a-zA-Z0-9_]*):/;
const REF_RE = /^&(?:([a-zA-Z_][a-zA-Z0-9_]*)|\{([a-zA-Z0-9,._+*#?@/-]*)\})/;
const KEYWORD_RE = /^\/[a-z0-9-]+\//;

/** Encodes a decoded string literal as bytes: latin1 when every char fits, else UTF-8. */
function stringBytes(s: string): Uint8Array {
  // eslint-disable-next-line no-control-regex
  return new Uint8Array(/^[\u0000-\u00ff]*$/.test(s) ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8'));
}

export class DtsParser {
  private plugin = false;
  private readonly memreserve: [bigint, bigint][] = [];
  private root: LNode | undefined;
  private fragments = 0;

  constructor(
    private readonly sc: Scanner,
    private readonly includeDirs: readonly string[] = [],
  ) {}

  parse(): ParsedSource {
    const sc = this.sc;
    sc.skipWs();
    if (!sc.startsWith('/dts-v1/')) throw sc.error(`expected '/dts-v1/;' at the start of the file, found ${sc.describe()} (DTS version 0 syntax is not supported)`);
    while (sc.startsWith('/dts-v1/')) {
      sc.pos += '/dts-v1/'.length;
      this.expect(';', "after '/dts-v1/'");
      sc.skipWs();
      if (sc.startsWith('/plugin/')) {
        sc.pos += '/plugin/'.length;
        this.expect(';', "after '/plugin/'");
        this.plugin = true;
        sc.skipWs();
      }
    }
    this.memreserves();
    for (;;) {
      sc.skipWs();
      if (sc.eof) break;
      this.topLevel();
    }
    if (!this.root) throw sc.error("the file defines no tree: expected a root node '/ { ... };'");
    return { root: this.root, plugin: this.plugin, memreserve: this.memreserve };
  }

  private expect(ch: string, context: string): number {
    this.sc.skipWs();
    if (!this.sc.startsWith(ch)) throw this.sc.error(`expected '${ch}' ${context}, found ${this.sc.describe()}`);
    const at = this.sc.pos;
    this.sc.pos += ch.length;
    return at;
  }

  private keyword(kw: string): boolean {
    this.sc.skipWs();
    if (!this.sc.startsWith(kw)) return false;
    this.sc.pos += kw.length;
    return true;
  }

  private labels(): { name: string; loc: SourceLoc }[] {
    const out: { name: string; loc: SourceLoc }[] = [];
    for (;;) {
      this.sc.skipWs();
      const m = LABEL_RE.exec(this.sc.text.slice(this.sc.pos, this.sc.pos + 256));
      if (!m) return out;
      out.push({ name: m[1]!, loc: this.sc.loc() });
      this.sc.pos += m[0].length;
    }
  }

  private ref(): { ref: string; loc: SourceLoc } | undefined {
    this.sc.skipWs();
    const m = REF_RE.exec(this.sc.text.slice(this.sc.pos, this.sc.pos + 1024));
    if (!m) return undefined;
    const loc = this.sc.loc();
    this.sc.pos += m[0].length;
    return { ref: m[1] ?? m[2]!, loc };
  }

  private needRef(context: string): { ref: string; loc: SourceLoc } {
    const r = this.ref();
    if (!r) throw this.sc.error(`expected a reference (&label or &{/path}) ${context}, found ${this.sc.describe()}`);
    return r;
  }

  private name(what: string): { name: string; loc: SourceLoc; pos: number } {
    const sc = this.sc;
    sc.skipWs();
    const m = NAME_RE.exec(sc.text.slice(sc.pos, sc.pos + 1024));
    if (!m || m[0] === '\\') throw sc.error(`expected ${what}, found ${sc.describe()}`);
    const pos = sc.pos;
    const loc = sc.loc();
    sc.pos += m[0].length;
    return { name: m[0].replace(/^\\/, ''), loc, pos };
  }

  private integerPrim(): bigint {
    const sc = this.sc;
    sc.skipWs();
    if (sc.peek() === '(') {
      sc.pos++;
      const v = parseExpr(sc);
      this.expect(')', 'to close the expression');
      return v;
    }
    const v = readLiteral(sc) ?? readCharLiteral(sc);
    if (v === undefined) throw sc.error(`expected an integer, a character literal or a parenthesised expression, found ${sc.describe()}`);
    return v;
  }

  private memreserves(): void {
    const sc = this.sc;
    for (;;) {
      const save = sc.pos;
      this.labels();
      if (!this.keyword('/memreserve/')) {
        sc.pos = save;
        return;
      }
      const addr = this.integerPrim();
      const size = this.integerPrim();
      this.expect(';', 'after /memreserve/ address and size');
      this.memreserve.push([addr, size]);
    }
  }

  private ensureRoot(loc: SourceLoc): LNode {
    this.root ??= newLNode('', loc);
    return this.root;
  }

  private topLevel(): void {
    const sc = this.sc;
    const start = sc.loc();
    if (this.keyword('/delete-node/')) {
      const r = this.needRef('after /delete-node/');
      this.expect(';', 'after /delete-node/ &ref');
      const target = findByRef(this.ensureRoot(start), r.ref);
      if (!target) throw this.refError(r, 'cannot delete');
      deleteNode(target);
      return;
    }
    if (this.keyword('/omit-if-no-ref/')) {
      const r = this.needRef('after /omit-if-no-ref/');
      this.expect(';', 'after /omit-if-no-ref/ &ref');
      const target = findByRef(this.ensureRoot(start), r.ref);
      if (!target) throw this.refError(r, 'cannot mark');
      target.omitIfNoRef = true;
      return;
    }
    const labels = this.labels();
    sc.skipWs();
    if (sc.peek() === '/' && !KEYWORD_RE.test(sc.text.slice(sc.pos, sc.pos + 32))) {
      if (labels.length) throw sc.error('labels on the root node are not allowed here; label it with a property-free extension instead');
      sc.pos++;
      const node = this.nodeBody('', start);
      if (!this.root) this.root = node;
      else mergeNodes(this.root, node);
      return;
    }
    const r = this.ref();
    if (!r) throw sc.error(`expected a root node '/ {', a node reference '&label {', /delete-node/ or /omit-if-no-ref/, found ${sc.describe()}`);
    const body = this.nodeBody('', r.loc);
    const root = this.ensureRoot(start);
    if (this.plugin && labels.length === 0) {
      // dtc -@ turns `&ref { }` in an overlay into fragment@N { target = <&ref>; __overlay__ { } }.
      const frag = newLNode(`fragment@${this.fragments++}`, r.loc);
      const target: LProp = r.ref.startsWith('/')
        ? { name: 'target-path', parts: [{ kind: 'bytes', bytes: stringBytes(`${r.ref}\0`) }], labels: [], deleted: false, loc: r.loc }
        : { name: 'target', parts: [{ kind: 'phandle', ref: r.ref, loc: r.loc }], labels: [], deleted: false, loc: r.loc };
      frag.props.push(target);
      body.name = '__overlay__';
      addChild(frag, body);
      addChild(root, frag);
      return;
    }
    const target = findByRef(root, r.ref);
    if (!target) throw this.refError(r, 'cannot extend');
    for (const l of labels) addLabel(target.labels, l.name, l.loc);
    mergeNodes(target, body);
  }

  private refError(r: { ref: string; loc: SourceLoc }, action: string): DtsError {
    const what = r.ref.startsWith('/') ? `path "${r.ref}"` : `label "${r.ref}"`;
    const shown = r.ref.startsWith('/') ? `&{${r.ref}}` : `&${r.ref}`;
    return errorAt(this.sc.files, r.loc, `${action} ${shown}: no node has the ${what} (it must be defined before this point, in this file or an included one)`);
  }

  /** Parses `{ props subnodes };` after a node name. */
  private nodeBody(name: string, loc: SourceLoc): LNode {
    const sc = this.sc;
    const node = newLNode(name, loc);
    this.expect('{', `to open node ${name === '' ? '/' : `"${name}"`}`);
    let sawChild = false;
    for (;;) {
      sc.skipWs();
      if (sc.eof) throw errorAt(sc.files, loc, `node ${name === '' ? '/' : `"${name}"`} is never closed: the file ends before its '};'`);
      if (sc.peek() === '}') {
        sc.pos++;
        this.expect(';', `after '}' closing node ${name === '' ? '/' : `"${name}"`}`);
        return node;
      }
      const itemPos = sc.pos;
      if (this.keyword('/delete-property/')) {
        const n = this.name('a property name after /delete-property/');
        this.expect(';', 'after /delete-property/ name');
        if (sawChild) throw sc.error('properties must come before subnodes', itemPos);
        node.props.push({ name: n.name, parts: [], labels: [], deleted: true, loc: n.loc });
        continue;
      }
      if (this.keyword('/delete-node/')) {
        const n = this.name('a node name after /delete-node/');
        this.expect(';', 'after /delete-node/ name');
        const gone = newLNode(n.name, n.loc);
        gone.deleted = true;
        addChild(node, gone);
        sawChild = true;
        continue;
      }
      let omit = false;
      const labels: { name: string; loc: SourceLoc }[] = [];
      for (;;) {
        labels.push(...this.labels());
        if (this.keyword('/omit-if-no-ref/')) omit = true;
        else break;
      }
      const n = this.name('a property or node name');
      sc.skipWs();
      if (sc.peek() === '{') {
        const child = this.nodeBody(n.name, n.loc);
        // Labels are prepended in order: `a: b: node` ends as [a, b] like dtc.
        for (const l of [...labels].reverse()) addLabel(child.labels, l.name, l.loc);
        child.omitIfNoRef = omit;
        addChild(node, child);
        sawChild = true;
        continue;
      }
      if (omit) throw sc.error('/omit-if-no-ref/ applies to nodes, not properties', itemPos);
      if (n.name.includes('@')) throw sc.error(`expected '{' after node name "${n.name}", found ${sc.describe()}`);
      const prop: LProp = { name: n.name, parts: [], labels: [], deleted: false, loc: n.loc };
      for (const l of [...labels].reverse()) addLabel(prop.labels, l.name, l.loc);
      if (sc.peek() === '=') {
        sc.pos++;
        prop.parts = this.propData();
      } else if (sc.peek() !== ';') {
        throw sc.error(`expected '=', ';' or '{' after "${n.name}", found ${sc.describe()}`);
      }
      this.expect(';', `after property "${n.name}"`);
      if (sawChild) throw sc.error(`property "${n.name}" comes after a subnode: properties must come before subnodes`, n.pos);
      node.props.push(prop);
    }
  }

  private labelParts(parts: ValuePart[]): void {
    for (const l of this.labels()) parts.push({ kind: 'label', name: l.name, loc: l.loc });
  }

  private propData(): ValuePart[] {
    const sc = this.sc;
    const parts: ValuePart[] = [];
    for (;;) {
      this.labelParts(parts);
      sc.skipWs();
      const c = sc.peek();
      if (c === '"') parts.push({ kind: 'bytes', bytes: this.string() });
      else if (c === '<' || sc.startsWith('/bits/')) this.array(parts);
      else if (c === '[') this.byteString(parts);
      else if (c === '&') {
        const r = this.needRef('in a property value');
        parts.push({ kind: 'path', ref: r.ref, loc: r.loc });
      } else if (sc.startsWith('/incbin/')) parts.push({ kind: 'bytes', bytes: this.incbin() });
      else throw sc.error(`expected a property value (a "string", <cells>, [bytes] or &reference), found ${sc.describe()}`);
      this.labelParts(parts);
      sc.skipWs();
      if (sc.peek() !== ',') return parts;
      sc.pos++;
    }
  }

  private string(): Uint8Array {
    const sc = this.sc;
    const start = sc.pos;
    let s = '';
    let i = sc.pos + 1;
    for (;;) {
      if (i >= sc.text.length) throw sc.error('unterminated string', start);
      const c = sc.text.charAt(i);
      if (c === '"') break;
      if (c === '\\') {
        const e = decodeEscape(sc.text, i + 1);
        s += String.fromCharCode(e.value);
        i = e.next;
      } else {
        s += c;
        i++;
      }
    }
    sc.pos = i + 1;
    return stringBytes(`${s}\0`);
  }

  private array(parts: ValuePart[]): void {
    const sc = this.sc;
    let bits = 32;
    if (this.keyword('/bits/')) {
      sc.skipWs();
      const at = sc.pos;
      const b = readLiteral(sc);
      if (b === undefined || ![8n, 16n, 32n, 64n].includes(b)) throw sc.error('/bits/ must be followed by 8, 16, 32 or 64', at);
      bits = Number(b);
    }
    this.expect('<', 'to open a cell array');
    const size = bits / 8;
    const mask = bits === 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n;
    const all = (1n << 64n) - 1n;
    let cur: number[] = [];
    const flush = (): void => {
      if (cur.length) parts.push({ kind: 'bytes', bytes: new Uint8Array(cur) });
      cur = [];
    };
    for (;;) {
      sc.skipWs();
      if (sc.eof) throw sc.error("end of input inside '< >': a '>' is missing");
      if (sc.peek() === '>') {
        sc.pos++;
        flush();
        return;
      }
      if (LABEL_RE.test(sc.text.slice(sc.pos, sc.pos + 256))) {
        flush();
        this.labelParts(parts);
        continue;
      }
      if (sc.peek() === '&') {
        const at = sc.pos;
        const r = this.needRef('in a cell array');
        if (bits !== 32) throw sc.error(`a phandle reference needs 32-bit cells, not /bits/ ${bits}`, at);
        flush();
        parts.push({ kind: 'phandle', ref: r.ref, loc: r.loc });
        continue;
      }
      const at = sc.pos;
      const v = this.integerPrim();
      if ((v & ~mask & all) !== 0n && (v | mask) !== all) throw sc.error(`value out of range for a ${bits}-bit cell`, at);
      for (let k = size - 1; k >= 0; k--) cur.push(Number((v >> BigInt(8 * k)) & 0xffn));
    }
  }

  private byteString(parts: ValuePart[]): void {
    const sc = this.sc;
    sc.pos++;
    let cur: number[] = [];
    for (;;) {
      sc.skipWs();
      if (sc.eof) throw sc.error("end of input inside '[ ]': a ']' is missing");
      if (sc.peek() === ']') {
        sc.pos++;
        break;
      }
      if (LABEL_RE.test(sc.text.slice(sc.pos, sc.pos + 256))) {
        if (cur.length) parts.push({ kind: 'bytes', bytes: new Uint8Array(cur) });
        cur = [];
        this.labelParts(parts);
        continue;
      }
      const m = /^[0-9a-fA-F]{2}/.exec(sc.text.slice(sc.pos, sc.pos + 2));
      if (!m) throw sc.error(`expected two hex digits in a byte string, found ${sc.describe()}`);
      cur.push(parseInt(m[0], 16));
      sc.pos += 2;
    }
    if (cur.length) parts.push({ kind: 'bytes', bytes: new Uint8Array(cur) });
  }

  /** /incbin/("file"[, offset, length]): file contents, searched like /include/. */
  private incbin(): Uint8Array {
    const sc = this.sc;
    const at = sc.pos;
    sc.pos += '/incbin/'.length;
    this.expect('(', 'after /incbin/');
    sc.skipWs();
    if (sc.peek() !== '"') throw sc.error('expected a quoted file name in /incbin/');
    const name = Buffer.from(this.string()).toString('latin1').replace(/\0$/, '');
    let offset = 0n;
    let length: bigint | undefined;
    sc.skipWs();
    if (sc.peek() === ',') {
      sc.pos++;
      offset = this.integerPrim();
      this.expect(',', 'between /incbin/ offset and length');
      length = this.integerPrim();
    }
    this.expect(')', 'to close /incbin/');
    const from = sc.loc(at).file;
    const found = [path.dirname(from), ...this.includeDirs].map((d) => path.resolve(d, name)).find((p) => fs.existsSync(p));
    if (!found) throw sc.error(`cannot find /incbin/ file "${name}"`, at);
    const data = fs.readFileSync(found);
    const end = length === undefined ? data.length : Number(offset + length);
    if (end > data.length) throw sc.error(`/incbin/ range runs past the end of "${name}" (${data.length} bytes)`, at);
    return new Uint8Array(data.subarray(Number(offset), end));
  }
}
