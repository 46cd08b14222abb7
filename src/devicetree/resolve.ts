/**
 * From a parsed live tree to the final DtTree, doing what dtc's checks and output steps do.
 *
 * In dtc's order: duplicate names and labels are errors; explicit `phandle` properties are taken;
 * `<&ref>` references get phandles, allocated on first use from 1 upwards (skipping values already
 * taken) with a `phandle` property appended to the referenced node; `&ref` path references become
 * path strings; `/omit-if-no-ref/` nodes nobody referenced are dropped. With `symbols` (dtc -@)
 * every labelled node is listed in `__symbols__` (and gets a phandle); in a plugin, references
 * that do not resolve become `__fixups__` entries and resolved ones `__local_fixups__` entries,
 * exactly as dtc lays them out, so the DTBs compare byte for byte.
 */
import { errorAt, type DtsError, type SourceFiles } from './dts-error';
import { addChild, findByRef, fullPath, liveChildren, liveLabels, liveProps, newLNode, walkLive, type LNode, type LProp, type ValuePart } from './parse-tree';
import type { ParsedSource } from './parser';
import { cellsBytes, newNode, type DtNode, type DtTree, type SourceLoc } from './tree';

export interface ResolveOptions {
  /** Emit `__symbols__` (dtc -@). */
  readonly symbols?: boolean | undefined;
}

type PhandlePart = Extract<ValuePart, { kind: 'phandle' }>;

const INVALID = 0xffffffff;

class Resolver {
  private nextPhandle = 1;
  /** Phandle values given to resolved `<&ref>` parts. */
  private readonly phandles = new Map<PhandlePart, number>();
  private readonly unresolved = new Set<PhandlePart>();

  constructor(
    private readonly src: ParsedSource,
    private readonly files: SourceFiles,
    private readonly opts: ResolveOptions,
  ) {}

  private fail(loc: SourceLoc, detail: string): DtsError {
    return errorAt(this.files, loc, detail);
  }

  run(): DtTree {
    const root = this.src.root;
    this.checkDuplicateNames(root);
    this.checkDuplicateLabels(root);
    this.explicitPhandles(root);
    for (const node of walkLive(root)) {
      for (const prop of liveProps(node)) for (const part of prop.parts) if (part.kind === 'phandle') this.resolvePhandle(part);
    }
    for (const node of walkLive(root)) {
      for (const prop of liveProps(node)) {
        for (const part of prop.parts) {
          if (part.kind !== 'path') continue;
          const target = findByRef(root, part.ref);
          if (!target) throw this.fail(part.loc, `reference to a node or label "${part.ref}" that does not exist`);
          target.referenced = true;
        }
      }
    }
    this.omitUnreferenced(root);
    if (this.opts.symbols) this.symbols(root);
    if (this.src.plugin) {
      this.fixups(root);
      this.localFixups(root);
    }
    return { root: this.toDtNode(root, undefined), memreserve: this.src.memreserve, bootCpuid: this.bootCpuid(root) };
  }

  private checkDuplicateNames(root: LNode): void {
    for (const node of walkLive(root)) {
      const seen = new Set<string>();
      for (const c of liveChildren(node)) {
        if (seen.has(c.name)) throw this.fail(c.loc, `duplicate node name "${c.name}" in ${fullPath(node)}`);
        seen.add(c.name);
      }
      seen.clear();
      for (const p of liveProps(node)) {
        if (seen.has(p.name)) throw this.fail(p.loc, `duplicate property name "${p.name}" in ${fullPath(node)}`);
        seen.add(p.name);
      }
    }
  }

  private checkDuplicateLabels(root: LNode): void {
    const owners = new Map<string, { owner: object; where: string; loc: SourceLoc }>();
    const claim = (name: string, owner: object, where: string, loc: SourceLoc): void => {
      const prev = owners.get(name);
      if (prev && prev.owner !== owner) {
        throw this.fail(loc, `duplicate label "${name}" on ${where}: already on ${prev.where} (${prev.loc.file}:${prev.loc.line})`);
      }
      owners.set(name, { owner, where, loc });
    };
    for (const node of walkLive(root)) {
      const p = fullPath(node);
      for (const l of liveLabels(node.labels)) claim(l.name, node, p, l.loc);
      for (const prop of liveProps(node)) {
        for (const l of liveLabels(prop.labels)) claim(l.name, prop, `property ${p}:${prop.name}`, l.loc);
        for (const part of prop.parts) if (part.kind === 'label') claim(part.name, part, `a value in ${p}:${prop.name}`, part.loc);
      }
    }
  }

  private explicitPhandles(root: LNode): void {
    const taken = new Map<number, LNode>();
    for (const node of walkLive(root)) {
      for (const prop of liveProps(node)) {
        if (prop.name !== 'phandle' && prop.name !== 'linux,phandle') continue;
        const bytes = prop.parts.every((p) => p.kind === 'bytes') ? flatBytes(prop.parts) : undefined;
        if (!bytes || bytes.length !== 4) throw this.fail(prop.loc, `"${prop.name}" must be one 32-bit number`);
        const v = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
        if (v === 0 || v === INVALID) throw this.fail(prop.loc, `"${prop.name}" has the reserved value ${v === 0 ? 0 : '0xffffffff'}`);
        if (node.phandle && node.phandle !== v) throw this.fail(prop.loc, `${fullPath(node)} has conflicting phandle and linux,phandle values`);
        const other = taken.get(v);
        if (other && other !== node) throw this.fail(prop.loc, `phandle ${v} is already used by ${fullPath(other)}`);
        taken.set(v, node);
        node.phandle = v;
      }
    }
  }

  /** dtc's get_node_phandle: the next free value, and a `phandle` property appended. */
  private phandleOf(node: LNode): number {
    if (node.phandle !== 0 && node.phandle !== INVALID) return node.phandle;
    const used = new Set<number>();
    for (const n of walkLive(this.src.root)) if (n.phandle) used.add(n.phandle);
    while (used.has(this.nextPhandle)) this.nextPhandle++;
    node.phandle = this.nextPhandle;
    if (!liveProps(node).some((p) => p.name === 'phandle')) {
      node.props.push({ name: 'phandle', parts: [{ kind: 'bytes', bytes: cellsBytes([node.phandle]) }], labels: [], deleted: false, loc: node.loc });
    }
    return node.phandle;
  }

  private resolvePhandle(part: PhandlePart): void {
    const target = findByRef(this.src.root, part.ref);
    if (!target) {
      if (!this.src.plugin) throw this.fail(part.loc, `reference to a node or label "${part.ref}" that does not exist`);
      this.unresolved.add(part);
      return;
    }
    target.referenced = true;
    this.phandles.set(part, this.phandleOf(target));
  }

  private omitUnreferenced(node: LNode): void {
    if (node.omitIfNoRef && !node.referenced && !(this.opts.symbols && liveLabels(node.labels).length > 0)) {
      node.deleted = true;
      return;
    }
    for (const c of liveChildren(node)) this.omitUnreferenced(c);
  }

  private childNamed(parent: LNode, name: string): LNode {
    let n = liveChildren(parent).find((c) => c.name === name);
    if (!n) {
      n = newLNode(name, parent.loc);
      addChild(parent, n);
    }
    return n;
  }

  private appendTo(node: LNode, name: string, bytes: Uint8Array): void {
    const p = liveProps(node).find((q) => q.name === name);
    if (p) p.parts.push({ kind: 'bytes', bytes });
    else node.props.push({ name, parts: [{ kind: 'bytes', bytes }], labels: [], deleted: false, loc: node.loc });
  }

  private symbols(root: LNode): void {
    if (![...walkLive(root)].some((n) => n.labels.length > 0)) return;
    const table = this.childNamed(root, '__symbols__');
    const visit = (node: LNode): void => {
      const labels = liveLabels(node.labels);
      for (const l of labels) {
        if (liveProps(table).some((p) => p.name === l.name)) continue;
        table.props.push({ name: l.name, parts: [{ kind: 'bytes', bytes: Buffer.from(`${fullPath(node)}\0`, 'latin1') }], labels: [], deleted: false, loc: l.loc });
      }
      if (node.labels.length > 0) this.phandleOf(node);
      for (const c of liveChildren(node)) visit(c);
    };
    visit(root);
  }

  private phandleOffsets(prop: LProp): { part: PhandlePart; offset: number }[] {
    return this.flatten(prop).refs;
  }

  private fixups(root: LNode): void {
    if (this.unresolved.size === 0) return;
    const table = this.childNamed(root, '__fixups__');
    for (const node of [...walkLive(root)]) {
      for (const prop of liveProps(node)) {
        for (const { part, offset } of this.phandleOffsets(prop)) {
          if (!this.unresolved.has(part)) continue;
          this.appendTo(table, part.ref, Buffer.from(`${fullPath(node)}:${prop.name}:${offset}\0`, 'latin1'));
        }
      }
    }
  }

  private localFixups(root: LNode): void {
    if (this.phandles.size === 0) return;
    const table = this.childNamed(root, '__local_fixups__');
    for (const node of [...walkLive(root)]) {
      for (const prop of liveProps(node)) {
        for (const { part, offset } of this.phandleOffsets(prop)) {
          if (!this.phandles.has(part)) continue;
          const chain: LNode[] = [];
          for (let n: LNode | undefined = node; n?.parent; n = n.parent) chain.unshift(n);
          let at = table;
          for (const n of chain) at = this.childNamed(at, n.name);
          this.appendTo(at, prop.name, cellsBytes([offset]));
        }
      }
    }
  }

  /** The property's final bytes, and where each phandle reference sits in them. */
  private flatten(prop: LProp): { bytes: Uint8Array; refs: { part: PhandlePart; offset: number }[] } {
    const chunks: Uint8Array[] = [];
    const refs: { part: PhandlePart; offset: number }[] = [];
    let len = 0;
    for (const part of prop.parts) {
      let b: Uint8Array;
      if (part.kind === 'bytes') b = part.bytes;
      else if (part.kind === 'phandle') {
        refs.push({ part, offset: len });
        b = cellsBytes([this.phandles.get(part) ?? INVALID]);
      } else if (part.kind === 'path') {
        const target = findByRef(this.src.root, part.ref);
        b = Buffer.from(`${target ? fullPath(target) : part.ref}\0`, 'latin1');
      } else continue;
      chunks.push(b);
      len += b.length;
    }
    const bytes = new Uint8Array(len);
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    return { bytes, refs };
  }

  private toDtNode(node: LNode, parent: DtNode | undefined): DtNode {
    const out = newNode(node.name, parent);
    out.labels = liveLabels(node.labels).map((l) => l.name);
    out.loc = node.loc;
    for (const p of liveProps(node)) {
      out.props.set(p.name, { name: p.name, value: this.flatten(p).bytes, labels: liveLabels(p.labels).map((l) => l.name), loc: p.loc });
    }
    for (const c of liveChildren(node)) out.children.push(this.toDtNode(c, out));
    return out;
  }

  private bootCpuid(root: LNode): number {
    const cpus = liveChildren(root).find((c) => c.name === 'cpus');
    const first = cpus ? liveChildren(cpus)[0] : undefined;
    const reg = first ? liveProps(first).find((p) => p.name === 'reg') : undefined;
    if (!reg) return 0;
    const b = this.flatten(reg).bytes;
    return b.length === 4 ? new DataView(b.buffer, b.byteOffset).getUint32(0) : 0;
  }
}

function flatBytes(parts: readonly ValuePart[]): Uint8Array {
  return Buffer.concat(parts.flatMap((p) => (p.kind === 'bytes' ? [p.bytes] : [])));
}

export function resolveTree(src: ParsedSource, files: SourceFiles, opts: ResolveOptions = {}): DtTree {
  return new Resolver(src, files, opts).run();
}
