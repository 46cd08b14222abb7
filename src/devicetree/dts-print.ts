/**
 * Printing a DtTree for people and programs: DTS text in dtc's style and a JSON form.
 *
 * A DTB keeps no types, so values are shown the way `dtc -O dts` guesses them: printable
 * NUL-separated text as strings, multiples of four bytes as cells, anything else as bytes.
 * Labels that are known (from the source or from `__symbols__`) are printed on their nodes.
 */
import type { DtNode, DtTree } from './tree';

export type JsonValue =
  | { readonly type: 'empty' }
  | { readonly type: 'strings'; readonly value: string[] }
  | { readonly type: 'cells'; readonly value: number[] }
  | { readonly type: 'bytes'; readonly value: string };

export interface JsonNode {
  readonly name: string;
  readonly path: string;
  readonly labels: string[];
  readonly properties: Record<string, JsonValue>;
  readonly children: JsonNode[];
}

export interface JsonTree {
  readonly memreserve: { address: string; size: string }[];
  readonly bootCpuid: number;
  readonly root: JsonNode;
}

/** dtc's is_printable_string: printable text, NUL-terminated, no empty strings. */
function asStrings(v: Uint8Array): string[] | undefined {
  if (v.length === 0 || v[v.length - 1] !== 0) return undefined;
  let start = 0;
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (b === 0) {
      if (i === start) return undefined;
      out.push(Buffer.from(v.subarray(start, i)).toString('latin1'));
      start = i + 1;
    } else if (b < 0x20 ? !'\t\n\r\v\f\x07\b'.includes(String.fromCharCode(b)) : b >= 0x7f) return undefined;
  }
  return out;
}

export function guessValue(v: Uint8Array): JsonValue {
  if (v.length === 0) return { type: 'empty' };
  const s = asStrings(v);
  if (s) return { type: 'strings', value: s };
  if (v.length % 4 === 0) {
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return { type: 'cells', value: Array.from({ length: v.length / 4 }, (_, i) => dv.getUint32(i * 4)) };
  }
  return { type: 'bytes', value: Buffer.from(v).toString('hex') };
}

const escapeString = (s: string): string =>
  s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f]/g, (c) => ({ '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

function valueText(v: Uint8Array): string {
  const g = guessValue(v);
  switch (g.type) {
    case 'empty':
      return '';
    case 'strings':
      return ` = ${g.value.map((s) => `"${escapeString(s)}"`).join(', ')}`;
    case 'cells':
      return ` = <${g.value.map((c) => `0x${c.toString(16).padStart(2, '0')}`).join(' ')}>`;
    case 'bytes':
      return ` = [${g.value.match(/../g)!.join(' ')}]`;
  }
}

export function toDtsText(tree: DtTree): string {
  const lines: string[] = ['/dts-v1/;', ''];
  for (const [a, s] of tree.memreserve) lines.push(`/memreserve/ 0x${a.toString(16).padStart(16, '0')} 0x${s.toString(16).padStart(16, '0')};`);
  if (tree.memreserve.length) lines.push('');
  const node = (n: DtNode, depth: number): void => {
    const ind = '\t'.repeat(depth);
    const labels = n.labels.map((l) => `${l}: `).join('');
    lines.push(`${ind}${labels}${n.name === '' && depth === 0 ? '/' : n.name} {`);
    for (const p of n.props.values()) lines.push(`${ind}\t${p.labels.map((l) => `${l}: `).join('')}${p.name}${valueText(p.value)};`);
    for (const c of n.children) {
      lines.push('');
      node(c, depth + 1);
    }
    lines.push(`${ind}};`);
  };
  node(tree.root, 0);
  return `${lines.join('\n')}\n`;
}

function jsonNode(n: DtNode, path: string): JsonNode {
  const properties: Record<string, JsonValue> = {};
  for (const p of n.props.values()) properties[p.name] = guessValue(p.value);
  return {
    name: n.name,
    path,
    labels: [...n.labels],
    properties,
    children: n.children.map((c) => jsonNode(c, path === '/' ? `/${c.name}` : `${path}/${c.name}`)),
  };
}

export function toJson(tree: DtTree): JsonTree {
  return {
    memreserve: tree.memreserve.map(([a, s]) => ({ address: `0x${a.toString(16)}`, size: `0x${s.toString(16)}` })),
    bootCpuid: tree.bootCpuid ?? 0,
    root: jsonNode(tree.root, '/'),
  };
}
