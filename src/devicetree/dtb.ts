/**
 * Flattened devicetree (DTB) writer and reader.
 *
 * `toDtb` lays the blob out as dtc 1.6 does with default options: a version-17 header (last
 * compatible version 16), the memory reservation block at offset 40 ending with a zero entry,
 * the structure block, then the strings block in which a name that already occurs as the tail of
 * an earlier string reuses it. `fromDtb` accepts versions 16 and 17, checks every offset and tag,
 * and reports a malformed blob as HilError EINVAL with the byte offset.
 */
import { HilError } from '../abi/errno';
import { newNode, type DtNode, type DtTree } from './tree';

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const HEADER_SIZE = 40;

class ByteWriter {
  private buf = new Uint8Array(1024);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  u32(v: number): void {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  u64(v: bigint): void {
    this.room(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, BigInt.asUintN(64, v));
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  align4(): void {
    const pad = (4 - (this.len % 4)) % 4;
    this.room(pad);
    this.len += pad; // buffer is zero-filled
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** dtc's string table: reuse any existing NUL-terminated tail equal to the name. */
class StringTable {
  private text = '';

  offset(name: string): number {
    const needle = `${name}\0`;
    let at = this.text.indexOf(needle);
    if (at >= 0) return at;
    at = this.text.length;
    this.text += needle;
    return at;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.from(this.text, 'latin1'));
  }
}

export function toDtb(tree: DtTree): Uint8Array {
  const strings = new StringTable();
  const struct = new ByteWriter();
  const emit = (node: DtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(new Uint8Array(Buffer.from(`${node.name}\0`, 'latin1')));
    struct.align4();
    for (const p of node.props.values()) {
      struct.u32(FDT_PROP);
      struct.u32(p.value.length);
      struct.u32(strings.offset(p.name));
      struct.bytes(p.value);
      struct.align4();
    }
    for (const c of node.children) emit(c);
    struct.u32(FDT_END_NODE);
  };
  emit(tree.root);
  struct.u32(FDT_END);

  const rsv = new ByteWriter();
  for (const [addr, size] of tree.memreserve) {
    rsv.u64(addr);
    rsv.u64(size);
  }
  rsv.u64(0n);
  rsv.u64(0n);

  const structBytes = struct.result();
  const stringBytes = strings.bytes();
  const offRsv = HEADER_SIZE; // already 8-aligned
  const offStruct = offRsv + rsv.len;
  const offStrings = offStruct + structBytes.length;
  const total = offStrings + stringBytes.length;

  const out = new ByteWriter();
  for (const v of [FDT_MAGIC, total, offStruct, offStrings, offRsv, 17, 16, tree.bootCpuid ?? 0, stringBytes.length, structBytes.length]) out.u32(v);
  out.bytes(rsv.result());
  out.bytes(structBytes);
  out.bytes(stringBytes);
  return out.result();
}

function bad(offset: number, what: string): HilError {
  return new HilError('EINVAL', `malformed DTB at byte ${offset}: ${what}`);
}

export function fromDtb(blob: Uint8Array): DtTree {
  if (blob.length < HEADER_SIZE) throw bad(0, `only ${blob.length} bytes, shorter than the 40-byte header`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== FDT_MAGIC) throw bad(0, `magic is 0x${magic.toString(16)}, not 0xd00dfeed (is this a DTB?)`);
  const total = dv.getUint32(4);
  const offStruct = dv.getUint32(8);
  const offStrings = dv.getUint32(12);
  const offRsv = dv.getUint32(16);
  const version = dv.getUint32(20);
  const bootCpuid = dv.getUint32(28);
  const sizeStrings = dv.getUint32(32);
  if (version < 16) throw bad(20, `version ${version} is older than 16, which is not supported`);
  if (total > blob.length) throw bad(4, `totalsize ${total} exceeds the ${blob.length} bytes given`);
  const sizeStruct = version >= 17 ? dv.getUint32(36) : total - offStruct;
  if (offStruct + sizeStruct > total || offStrings + sizeStrings > total || offRsv > total) throw bad(8, 'a block lies outside totalsize');

  const memreserve: [bigint, bigint][] = [];
  for (let o = offRsv; ; o += 16) {
    if (o + 16 > total) throw bad(o, 'memory reservation block has no terminating entry');
    const addr = dv.getBigUint64(o);
    const size = dv.getBigUint64(o + 8);
    if (addr === 0n && size === 0n) break;
    memreserve.push([addr, size]);
  }

  const cstring = (at: number, limit: number): string => {
    const end = blob.indexOf(0, at);
    if (end < 0 || end >= limit) throw bad(at, 'unterminated string');
    return Buffer.from(blob.buffer, blob.byteOffset + at, end - at).toString('latin1');
  };

  const end = offStruct + sizeStruct;
  let pos = offStruct;
  const u32 = (): number => {
    if (pos + 4 > end) throw bad(pos, 'structure block ends early');
    const v = dv.getUint32(pos);
    pos += 4;
    return v;
  };
  let root: DtNode | undefined;
  let cur: DtNode | undefined;
  for (;;) {
    const tagAt = pos;
    const tag = u32();
    if (tag === FDT_NOP) continue;
    if (tag === FDT_BEGIN_NODE) {
      const name = cstring(pos, end);
      pos += (name.length + 4) & ~3;
      if (!cur) {
        if (root) throw bad(tagAt, 'a second root node');
        root = newNode('');
        cur = root;
      } else {
        const child = newNode(name, cur);
        cur.children.push(child);
        cur = child;
      }
    } else if (tag === FDT_PROP) {
      if (!cur) throw bad(tagAt, 'property outside any node');
      const len = u32();
      const nameoff = u32();
      if (nameoff >= sizeStrings) throw bad(tagAt, `property name offset ${nameoff} outside the strings block`);
      const name = cstring(offStrings + nameoff, offStrings + sizeStrings);
      if (pos + len > end) throw bad(pos, `property "${name}" runs past the structure block`);
      cur.props.set(name, { name, value: blob.slice(pos, pos + len), labels: [] });
      pos += (len + 3) & ~3;
    } else if (tag === FDT_END_NODE) {
      if (!cur) throw bad(tagAt, 'unbalanced END_NODE');
      cur = cur.parent;
    } else if (tag === FDT_END) {
      if (cur) throw bad(tagAt, 'END before all nodes were closed');
      break;
    } else throw bad(tagAt, `unknown tag 0x${tag.toString(16)}`);
  }
  if (!root) throw bad(offStruct, 'no root node');
  attachSymbolLabels(root);
  return { root, memreserve, bootCpuid };
}

/** A DTB built with -@ lists labels in /__symbols__: put them back on their nodes. */
function attachSymbolLabels(root: DtNode): void {
  const symbols = root.children.find((c) => c.name === '__symbols__');
  if (!symbols) return;
  for (const p of symbols.props.values()) {
    const text = Buffer.from(p.value).toString('latin1');
    if (!text.endsWith('\0') || !text.startsWith('/')) continue;
    let node: DtNode | undefined = root;
    for (const part of text.slice(0, -1).split('/').filter(Boolean)) node = node?.children.find((c) => c.name === part);
    if (node && !node.labels.includes(p.name)) node.labels.push(p.name);
  }
}
