/**
 * The EEPROM service, declared once: what a client (the host library, or another user thread)
 * may ask the driver thread that serves a device's endpoint. The client stub and the server
 * dispatch both derive from `EEPROM_IFACE` (abi/ipc-interface.ts).
 *
 * Bulk data never travels in messages: a read lends the caller's buffer to the server (write
 * access), which lets the bus fill it directly; a write lends the data (read access). Messages
 * are a few fixed-layout bytes. Also here: the EEPROM vocabulary both sides share (block
 * protection names, the status shape, the one range check).
 */
import { HilError } from './errno';
import { defineInterface } from './ipc-interface';

export const EEPROM_IFACE = defineInterface({
  name: 'eeprom',
  ops: {
    info: {
      code: 0,
      args: [],
      leases: [],
      reply: [
        { name: 'size', type: 'u32' },
        { name: 'pageSize', type: 'u32' },
        { name: 'readChunk', type: 'u32' },
        { name: 'family', type: 'u8', max: 1 },
        { name: 'readOnly', type: 'u8', max: 1 },
      ],
      doc: 'Geometry: size, page size, the most bytes one bus read moves (the natural unit of a read call), part family (0 AT25, 1 AT24), read-only.',
    },
    read: {
      code: 1,
      args: [
        { name: 'offset', type: 'u32' },
        { name: 'length', type: 'u32' },
      ],
      leases: [{ name: 'data', access: 'write', lengthArg: 'length' }],
      reply: [],
      doc: 'Reads [offset, offset + length) straight into the lent buffer.',
    },
    write: {
      code: 2,
      args: [
        { name: 'offset', type: 'u32' },
        { name: 'length', type: 'u32' },
        { name: 'flags', type: 'u8', max: 3 },
        { name: 'spanOffset', type: 'u32' },
        { name: 'spanLength', type: 'u32' },
      ],
      leases: [{ name: 'data', access: 'read', lengthArg: 'length' }],
      reply: [
        { name: 'written', type: 'u32' },
        { name: 'skipped', type: 'u32' },
      ],
      doc:
        'Writes the lent bytes at offset, split at pages; flags: VERIFY, SKIP_UNCHANGED. The call is one piece of a write of ' +
        '[spanOffset, spanOffset + spanLength): it is refused, before any byte moves, unless all of that span may be written. ' +
        'Replies pages written and skipped.',
    },
    erase: {
      code: 3,
      args: [
        { name: 'offset', type: 'u32' },
        { name: 'length', type: 'u32' },
        { name: 'fill', type: 'u8' },
        { name: 'flags', type: 'u8', max: 3 },
        { name: 'spanOffset', type: 'u32' },
        { name: 'spanLength', type: 'u32' },
      ],
      leases: [],
      reply: [
        { name: 'written', type: 'u32' },
        { name: 'skipped', type: 'u32' },
      ],
      doc: 'Fills [offset, offset + length) with one byte; flags as for write.',
    },
    status: {
      code: 4,
      args: [],
      leases: [],
      reply: [
        { name: 'flags', type: 'u8', max: 0x3f },
        { name: 'blocks', type: 'u8', max: 3 },
        { name: 'raw', type: 'u8' },
      ],
      doc: 'Busy, write-enable latch, block protection, WPEN, raw status register (see encodeStatus).',
    },
    protect: {
      code: 5,
      args: [
        { name: 'blocks', type: 'u8', max: 3 },
        { name: 'wpen', type: 'u8', max: 2 },
      ],
      leases: [],
      reply: [],
      doc: 'Sets block protection (index into PROTECTED_BLOCKS) and WPEN (0 off, 1 on, 2 unchanged).',
    },
  },
});

export const WRITE_FLAGS = { VERIFY: 0x1, SKIP_UNCHANGED: 0x2 } as const;

export const EEPROM_FAMILY = { at25: 0, at24: 1 } as const;

/** Block protection as AT25 BP1:BP0 encode it, in that order (index = BP1:BP0). */
export const PROTECTED_BLOCKS = ['none', 'upper-quarter', 'upper-half', 'all'] as const;
export type ProtectedBlocks = (typeof PROTECTED_BLOCKS)[number];

export function isProtectedBlocks(s: unknown): s is ProtectedBlocks {
  return typeof s === 'string' && (PROTECTED_BLOCKS as readonly string[]).includes(s);
}

/** First offset of the array that `blocks` protects (`size` when nothing is protected). */
export function protectedFrom(size: number, blocks: ProtectedBlocks): number {
  switch (blocks) {
    case 'none':
      return size;
    case 'upper-quarter':
      return size - size / 4;
    case 'upper-half':
      return size / 2;
    case 'all':
      return 0;
  }
}

export interface EepromStatus {
  /** A write cycle is running (AT25 WIP; AT24: the chip does not acknowledge its address). */
  readonly busy: boolean;
  /** Write-enable latch (AT25 only). */
  readonly wel?: boolean;
  /** Software block protection; AT24 parts have none. */
  readonly blocks: ProtectedBlocks;
  /** Status-register write protection with the WP pin (AT25 only). */
  readonly wpen?: boolean;
  /** Raw status register (AT25 only). */
  readonly raw?: number;
}

const S_BUSY = 0x01;
const S_HAS_WEL = 0x02;
const S_WEL = 0x04;
const S_HAS_WPEN = 0x08;
const S_WPEN = 0x10;
const S_HAS_RAW = 0x20;

export function encodeStatus(s: EepromStatus): { flags: number; blocks: number; raw: number } {
  let flags = s.busy ? S_BUSY : 0;
  if (s.wel !== undefined) flags |= S_HAS_WEL | (s.wel ? S_WEL : 0);
  if (s.wpen !== undefined) flags |= S_HAS_WPEN | (s.wpen ? S_WPEN : 0);
  if (s.raw !== undefined) flags |= S_HAS_RAW;
  return { flags, blocks: PROTECTED_BLOCKS.indexOf(s.blocks), raw: s.raw ?? 0 };
}

export function decodeStatus(r: { readonly flags: number; readonly blocks: number; readonly raw: number }): EepromStatus {
  return {
    busy: (r.flags & S_BUSY) !== 0,
    ...((r.flags & S_HAS_WEL) !== 0 ? { wel: (r.flags & S_WEL) !== 0 } : {}),
    blocks: PROTECTED_BLOCKS[r.blocks] ?? 'none',
    ...((r.flags & S_HAS_WPEN) !== 0 ? { wpen: (r.flags & S_WPEN) !== 0 } : {}),
    ...((r.flags & S_HAS_RAW) !== 0 ? { raw: r.raw } : {}),
  };
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** "32768 bytes (32 KiB)" */
export function describeSize(size: number): string {
  if (size >= 1024 * 1024 && size % (1024 * 1024) === 0) return `${size} bytes (${size / (1024 * 1024)} MiB)`;
  if (size >= 1024 && size % 1024 === 0) return `${size} bytes (${size / 1024} KiB)`;
  return `${size} bytes`;
}

/**
 * The one range check: [offset, offset + length) must lie inside an array of `size` bytes.
 * Every layer that takes a range from outside uses it, so the message is the same everywhere.
 */
export function checkRange(name: string, size: number, offset: unknown, length: unknown): void {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new HilError('EINVAL', `${name}: offset ${String(offset)} must be a non-negative integer`);
  }
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw new HilError('EINVAL', `${name}: length ${String(length)} must be a non-negative integer`);
  }
  const span = `${name} is ${describeSize(size)}, offsets 0..${hex(size - 1)}`;
  if (offset > size || (offset === size && length > 0)) {
    throw new HilError('EINVAL', `offset ${offset} (${hex(offset)}) is past the end of the device: ${span}`);
  }
  if (length > size - offset) {
    throw new HilError(
      'EINVAL',
      `${length} bytes from offset ${hex(offset)} run past the end of the device (to ${hex(offset + length - 1)}): ${span}; at most ${size - offset} bytes fit there`,
    );
  }
}
