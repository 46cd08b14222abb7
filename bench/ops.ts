/**
 * The EEPROM operations the driver and library benchmarks time, and how to run one on any
 * `Eeprom` (the AT25 driver in a user thread, the same driver in the kernel, or the library's
 * client), so every path executes exactly the same calls.
 */
/** What every timed path offers: the driver itself, or the library's handle on it. */
export interface Readable {
  read(offset: number, length: number): Promise<unknown>;
  write(offset: number, data: Uint8Array, opts: { verify: boolean }): Promise<unknown>;
}

export interface OpSpec {
  readonly kind: 'read' | 'write';
  readonly offset: number;
  readonly len: number;
}

/** Reads of three sizes (4 KiB spans two transactions on a 4096-byte bus) and one page write. */
export const EEPROM_OPS: readonly OpSpec[] = [
  { kind: 'read', offset: 0x0100, len: 16 },
  { kind: 'read', offset: 0x0200, len: 256 },
  { kind: 'read', offset: 0x1000, len: 4096 },
  { kind: 'write', offset: 0x4000, len: 64 },
];

/**
 * The operations for a device: the reads above where they fit (at offset 0 on a part smaller
 * than 8 KiB), and the page write only where writing is allowed (`writeAt`: a page-aligned offset
 * inside the scratch range, or the bench board's 0x4000).
 */
export function opsFor(size: number, pageSize: number, writeAt: number | undefined): OpSpec[] {
  const out: OpSpec[] = [];
  for (const op of EEPROM_OPS) {
    if (op.kind === 'write') {
      if (writeAt !== undefined) out.push({ kind: 'write', offset: writeAt, len: Math.min(op.len, pageSize) });
      continue;
    }
    if (op.len > size) continue;
    out.push(op.offset + op.len <= size && size >= 8192 ? op : { ...op, offset: 0 });
  }
  return out;
}

export function opLabel(op: OpSpec): string {
  const size = op.len >= 1024 && op.len % 1024 === 0 ? `${op.len / 1024} KiB` : `${op.len} B`;
  return op.kind === 'read' ? `read ${size}` : `page write ${size}`;
}

export function isOpSpec(x: unknown): x is OpSpec {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (o.kind === 'read' || o.kind === 'write') && Number.isInteger(o.offset) && Number.isInteger(o.len);
}

/**
 * One call of the operation. Page writes skip the read-back (verify: false) so that the figure is
 * the write itself: status read, then WREN + WRITE + RDSR in one transaction.
 */
export function eepromOp(dev: Readable, op: OpSpec): () => Promise<unknown> {
  if (op.kind === 'read') return () => dev.read(op.offset, op.len);
  const data = new Uint8Array(op.len);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  return () => dev.write(op.offset, data, { verify: false });
}
