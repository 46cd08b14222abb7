/**
 * The parser's working tree: dtc's "live tree" with deletion flags, labels, value markers.
 *
 * dtc never removes a deleted node or property from its list; it flags it, so a later
 * re-definition comes back at its old position. Labels are prepended (dtc's order), values keep
 * phandle and path references as markers until resolution. `merge` is dtc's merge_nodes. The
 * finished tree is converted into the public `DtTree` by resolve.ts.
 */
import type { SourceLoc } from './tree';

export interface Label {
  readonly name: string;
  deleted: boolean;
  readonly loc: SourceLoc;
}

/** A piece of a property value: raw bytes, a `<&ref>` phandle, a `&ref` path or a label. */
export type ValuePart =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'phandle'; readonly ref: string; readonly loc: SourceLoc }
  | { readonly kind: 'path'; readonly ref: string; readonly loc: SourceLoc }
  | { readonly kind: 'label'; readonly name: string; readonly loc: SourceLoc };

export interface LProp {
  readonly name: string;
  parts: ValuePart[];
  labels: Label[];
  deleted: boolean;
  readonly loc: SourceLoc;
}

export interface LNode {
  name: string;
  parent: LNode | undefined;
  props: LProp[];
  children: LNode[];
  labels: Label[];
  deleted: boolean;
  omitIfNoRef: boolean;
  referenced: boolean;
  /** 0 = none assigned. */
  phandle: number;
  readonly loc: SourceLoc;
}

export function newLNode(name: string, loc: SourceLoc): LNode {
  return { name, parent: undefined, props: [], children: [], labels: [], deleted: false, omitIfNoRef: false, referenced: false, phandle: 0, loc };
}

/** dtc's add_label: un-deletes an existing one, otherwise prepends. */
export function addLabel(labels: Label[], name: string, loc: SourceLoc): void {
  const existing = labels.find((l) => l.name === name);
  if (existing) existing.deleted = false;
  else labels.unshift({ name, deleted: false, loc });
}

export const liveLabels = (labels: readonly Label[]): Label[] => labels.filter((l) => !l.deleted);
export const liveProps = (n: LNode): LProp[] => n.props.filter((p) => !p.deleted);
export const liveChildren = (n: LNode): LNode[] => n.children.filter((c) => !c.deleted);

export function addChild(parent: LNode, child: LNode): void {
  child.parent = parent;
  parent.children.push(child);
}

export function deleteNode(node: LNode): void {
  node.deleted = true;
  for (const c of liveChildren(node)) deleteNode(c);
  for (const p of liveProps(node)) p.deleted = true;
  for (const l of node.labels) l.deleted = true;
}

/** dtc's merge_nodes: `src`'s labels, properties and children go into `dst`. */
export function mergeNodes(dst: LNode, src: LNode): void {
  dst.deleted = false;
  for (const l of [...liveLabels(src.labels)]) addLabel(dst.labels, l.name, l.loc);
  for (const p of src.props) {
    if (p.deleted) {
      for (const old of dst.props) if (old.name === p.name) old.deleted = true;
      continue;
    }
    const old = dst.props.find((o) => o.name === p.name);
    if (old) {
      for (const l of liveLabels(p.labels)) addLabel(old.labels, l.name, l.loc);
      old.parts = p.parts;
      old.deleted = false;
    } else dst.props.push(p);
  }
  for (const c of src.children) {
    if (c.deleted) {
      const old = dst.children.find((o) => o.name === c.name && !o.deleted);
      if (old) deleteNode(old);
      continue;
    }
    const old = dst.children.find((o) => o.name === c.name);
    if (old) mergeNodes(old, c);
    else addChild(dst, c);
  }
  dst.omitIfNoRef ||= src.omitIfNoRef;
}

export function fullPath(node: LNode): string {
  if (!node.parent) return '/';
  const up = fullPath(node.parent);
  return up === '/' ? `/${node.name}` : `${up}/${node.name}`;
}

export function* walkLive(node: LNode): Generator<LNode> {
  yield node;
  for (const c of liveChildren(node)) yield* walkLive(c);
}

export function findByLabelL(root: LNode, label: string): LNode | undefined {
  for (const n of walkLive(root)) if (n.labels.some((l) => !l.deleted && l.name === label)) return n;
  return undefined;
}

/** dtc's get_node_by_path: exact component names. */
export function findByPathL(root: LNode, p: string): LNode | undefined {
  let node: LNode | undefined = root;
  for (const part of p.split('/').filter(Boolean)) {
    node = liveChildren(node).find((c) => c.name === part);
    if (!node) return undefined;
  }
  return root.deleted ? undefined : node;
}

/** dtc's get_node_by_ref: "/" , "/path" or a label. */
export function findByRef(root: LNode, ref: string): LNode | undefined {
  if (ref === '/') return root;
  return ref.startsWith('/') ? findByPathL(root, ref) : findByLabelL(root, ref);
}
