/**
 * The in-memory devicetree: nodes and properties as dtc sees them, plus typed accessors.
 *
 * Property values are raw big-endian bytes exactly as they would stand in a DTB, so a tree read
 * from DTS and one read from a DTB are the same thing. Accessors decode them (`u32`, `string`,
 * `phandle` …) and throw a `HilError('EINVAL')` naming the node path and property when a value
 * has the wrong shape. This module is kernel-side: user threads never see a tree.
 */
import { HilError } from '../abi/errno';

export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface DtProperty {
  readonly name: string;
  value: Uint8Array;
  labels: string[];
  loc?: SourceLoc | undefined;
}

export interface DtNode {
  /** Node name with unit address, e.g. "eeprom@0"; "" for the root. */
  readonly name: string;
  parent: DtNode | undefined;
  labels: string[];
  readonly props: Map<string, DtProperty>;
  readonly children: DtNode[];
  loc?: SourceLoc | undefined;
}

export interface DtTree {
  readonly root: DtNode;
  /** /memreserve/ entries: [address, size]. */
  readonly memreserve: [bigint, bigint][];
  readonly bootCpuid?: number;
}

export function newNode(name: string, parent?: DtNode): DtNode {
  return { name, parent, labels: [], props: new Map(), children: [] };
}

export function nodePath(node: DtNode): string {
  if (!node.parent) return '/';
  const up = nodePath(node.parent);
  return up === '/' ? `/${node.name}` : `${up}/${node.name}`;
}

export function* walk(node: DtNode): Generator<DtNode> {
  yield node;
  for (const c of node.children) yield* walk(c);
}

export function findByLabel(tree: DtTree, label: string): DtNode | undefined {
  for (const n of walk(tree.root)) if (n.labels.includes(label)) return n;
  return undefined;
}

export function findByPath(tree: DtTree, path: string): DtNode | undefined {
  if (path === '/') return tree.root;
  let node: DtNode | undefined = tree.root;
  for (const part of path.split('/').filter(Boolean)) {
    node = node.children.find((c) => c.name === part || c.name.split('@')[0] === part && !part.includes('@'));
    if (!node) return undefined;
  }
  return node;
}

export function findByPhandle(tree: DtTree, phandle: number): DtNode | undefined {
  for (const n of walk(tree.root)) {
    const p = n.props.get('phandle') ?? n.props.get('linux,phandle');
    if (p && p.value.length === 4 && new DataView(p.value.buffer, p.value.byteOffset).getUint32(0) === phandle) return n;
  }
  return undefined;
}

/** Resolves "label", "&label" or "/path/to/node". */

function bad(node: DtNode, prop: string, what: string): HilError {
  return new HilError('EINVAL', `${nodePath(node)}: property "${prop}" ${what}`);
}


export function propCells(node: DtNode, name: string): number[] | undefined {
  const p = node.props.get(name);
  if (!p) return undefined;
  if (p.value.length % 4 !== 0) throw bad(node, name, `is ${p.value.length} bytes, not a list of 32-bit cells`);
  const dv = new DataView(p.value.buffer, p.value.byteOffset, p.value.byteLength);
  const out: number[] = [];
  for (let i = 0; i < p.value.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

export function propU32(node: DtNode, name: string): number | undefined {
  const cells = propCells(node, name);
  if (cells === undefined) return undefined;
  if (cells.length !== 1) throw bad(node, name, `has ${cells.length} cells, expected one`);
  return cells[0];
}

export function propStrings(node: DtNode, name: string): string[] | undefined {
  const p = node.props.get(name);
  if (!p) return undefined;
  const v = p.value;
  if (v.length === 0 || v[v.length - 1] !== 0) throw bad(node, name, 'is not a string (no terminating NUL)');
  const text = Buffer.from(v.buffer, v.byteOffset, v.length - 1).toString('latin1');
  return text.split('\0');
}

export function propString(node: DtNode, name: string): string | undefined {
  const s = propStrings(node, name);
  if (s === undefined) return undefined;
  if (s.length !== 1) throw bad(node, name, `has ${s.length} strings, expected one`);
  return s[0];
}

export function propBool(node: DtNode, name: string): boolean {
  return node.props.has(name);
}

/** Node status: absent or "okay"/"ok" is enabled. */
export function isEnabled(node: DtNode): boolean {
  const s = node.props.has('status') ? propString(node, 'status') : undefined;
  return s === undefined || s === 'okay' || s === 'ok';
}

export function compatibles(node: DtNode): string[] {
  return node.props.has('compatible') ? (propStrings(node, 'compatible') ?? []) : [];
}

/** Encodes helpers, for parsers and tests. */
export function cellsBytes(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => dv.setUint32(i * 4, c >>> 0));
  return out;
}

