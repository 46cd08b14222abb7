/**
 * flashrom's serial flasher protocol ("serprog", interface version 1), byte level and pure: command
 * numbers, parameter encoders, answer decoders, the sync-pair scanner, and the planner that turns
 * an SPI transaction into O_SPIOP operations. No I/O here; client.ts does the talking.
 *
 * Every command is answered by ACK (0x06) plus return bytes, or NAK (0x15); SYNCNOP is answered by
 * NAK then ACK, which is how a host finds the command boundary again. Multi-byte values are
 * little-endian; lengths are 24-bit. O_SPIOP is half duplex: the programmer selects the chip,
 * shifts out slen bytes, then clocks in rlen bytes and deselects.
 */
import { HilError } from '../../abi/errno';
import type { SpiTransfer } from '../spi';

export const ACK = 0x06;
export const NAK = 0x15;

export const CMD = {
  NOP: 0x00,
  Q_IFACE: 0x01,
  Q_CMDMAP: 0x02,
  Q_PGMNAME: 0x03,
  Q_SERBUF: 0x04,
  Q_BUSTYPE: 0x05,
  Q_WRNMAXLEN: 0x08,
  SYNCNOP: 0x10,
  Q_RDNMAXLEN: 0x11,
  S_BUSTYPE: 0x12,
  O_SPIOP: 0x13,
  S_SPI_FREQ: 0x14,
  S_PIN_STATE: 0x15,
  S_SPI_CS: 0x16,
} as const;

export const BUS_SPI = 0x08;
export const SERPROG_IFACE_VERSION = 1;
/** A 24-bit length of 0 means 2^24. */
export const MAX_24BIT_LEN = 1 << 24;

export function u16le(b: Uint8Array, off = 0): number {
  return b[off]! | (b[off + 1]! << 8);
}

export function u24le(b: Uint8Array, off = 0): number {
  return b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
}

export function u32le(b: Uint8Array, off = 0): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export function le(value: number, bytes: number): number[] {
  return Array.from({ length: bytes }, (_, i) => Math.floor(value / 2 ** (8 * i)) & 0xff);
}

/** Q_WRNMAXLEN / Q_RDNMAXLEN answer: 0 stands for 2^24. */
export function decodeMaxLen(b: Uint8Array): number {
  const v = u24le(b);
  return v === 0 ? MAX_24BIT_LEN : v;
}

/** Q_CMDMAP: bit (cmd % 8) of byte (cmd / 8). */
export function cmdmapHas(map: Uint8Array, cmd: number): boolean {
  return ((map[cmd >> 3] ?? 0) & (1 << (cmd & 7))) !== 0;
}

/** Q_PGMNAME: 16 bytes, NUL padded. */
export function decodeName(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('latin1').trim();
}

/** The O_SPIOP frame: command, slen (u24), rlen (u24), then the bytes to send. */
export function encodeSpiOp(write: Uint8Array, readLen: number): Uint8Array {
  if (write.length >= MAX_24BIT_LEN || readLen >= MAX_24BIT_LEN) throw new RangeError('O_SPIOP lengths are 24-bit');
  const f = new Uint8Array(7 + write.length);
  f[0] = CMD.O_SPIOP;
  f.set(le(write.length, 3), 1);
  f.set(le(readLen, 3), 4);
  f.set(write, 7);
  return f;
}

/** Index just past the first NAK,ACK pair in `bytes`, or -1. */
export function findSyncPair(bytes: Uint8Array): number {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === NAK && bytes[i + 1] === ACK) return i + 2;
  return -1;
}

/** One O_SPIOP: what to send, how much to read, where the read bytes go. */
export interface SpiOpPlan {
  readonly write: Uint8Array;
  readonly readLen: number;
  /** Slices of the read phase, in order, each copied into transfer `xfer`'s rx (or dropped). */
  readonly reads: readonly { readonly xfer: number; readonly len: number }[];
  /** Slowest clock any transfer of this chip-select period asked for; undefined: the device's. */
  readonly speedHz: number | undefined;
  /** Host-side pause after the operation (the delay of its last transfer). */
  readonly delayAfterUs: number;
}

export interface SpiOpLimits {
  readonly maxWrite: number;
  readonly maxRead: number;
}

const halfDuplex =
  'serprog programmers are half duplex: within one chip-select period O_SPIOP shifts out its write bytes, then clocks in its read bytes';

/**
 * Plans a transaction as O_SPIOPs: one per chip-select period (`csChange` ends a period). Each
 * period must be tx-only transfers followed by rx-only transfers; a transfer with both, a write
 * after a read, a delay inside a period or a word size other than 8 cannot be expressed (ENOTSUP).
 * A transfer with neither tx nor rx clocks out zeros in the write phase, or is read and dropped in
 * the read phase.
 */
export function planSpiOps(xfers: readonly SpiTransfer[], limits: SpiOpLimits): SpiOpPlan[] {
  const plans: SpiOpPlan[] = [];
  let writes: Uint8Array[] = [];
  let reads: { xfer: number; len: number }[] = [];
  let readLen = 0;
  let writeLen = 0;
  let speed: number | undefined;
  const flush = (delayAfterUs: number): void => {
    const write = new Uint8Array(writeLen);
    let off = 0;
    for (const w of writes) {
      write.set(w, off);
      off += w.length;
    }
    if (write.length > limits.maxWrite) {
      throw new HilError('EMSGSIZE', `serprog: ${write.length} bytes to send in one chip-select period; the programmer accepts at most ${limits.maxWrite} (Q_WRNMAXLEN): chunk at maxTransferBytes`);
    }
    if (readLen > limits.maxRead) {
      throw new HilError('EMSGSIZE', `serprog: ${readLen} bytes to read in one chip-select period; the programmer returns at most ${limits.maxRead} (Q_RDNMAXLEN): chunk at maxTransferBytes`);
    }
    plans.push({ write, readLen, reads, speedHz: speed, delayAfterUs });
    writes = [];
    reads = [];
    readLen = 0;
    writeLen = 0;
    speed = undefined;
  };
  xfers.forEach((x, i) => {
    if (!Number.isInteger(x.len) || x.len < 0) throw new HilError('EINVAL', `serprog: transfer ${i} has length ${x.len}`);
    if (x.tx && x.tx.length < x.len) throw new HilError('EINVAL', `serprog: transfer ${i} tx buffer holds ${x.tx.length} bytes, len is ${x.len}`);
    if (x.rx && x.rx.length < x.len) throw new HilError('EINVAL', `serprog: transfer ${i} rx buffer holds ${x.rx.length} bytes, len is ${x.len}`);
    if (x.bitsPerWord !== undefined && x.bitsPerWord !== 8) {
      throw new HilError('ENOTSUP', `serprog: transfer ${i} asks for ${x.bitsPerWord}-bit words; the protocol moves bytes only`);
    }
    if (x.tx && x.rx) {
      throw new HilError('ENOTSUP', `serprog: transfer ${i} both sends and receives (full duplex). ${halfDuplex}: send the command in a tx-only transfer and read the answer in an rx-only transfer`);
    }
    const isRead = x.rx !== undefined || (!x.tx && readLen > 0);
    if (!isRead && readLen > 0) {
      throw new HilError('ENOTSUP', `serprog: transfer ${i} sends after a read in the same chip-select period. ${halfDuplex}: set csChange before the next command`);
    }
    if (isRead) {
      reads.push({ xfer: i, len: x.len });
      readLen += x.len;
    } else {
      writes.push(x.tx ? x.tx.subarray(0, x.len) : new Uint8Array(x.len));
      writeLen += x.len;
    }
    if (x.speedHz) speed = speed === undefined ? x.speedHz : Math.min(speed, x.speedHz);
    const endsPeriod = x.csChange === true || i === xfers.length - 1;
    const delay = x.delayUs ?? 0;
    if (delay > 0 && !endsPeriod) {
      throw new HilError('ENOTSUP', `serprog: transfer ${i} asks for a ${delay} µs delay with chip select held; O_SPIOP cannot pause inside an operation (a delay is only possible where chip select rises)`);
    }
    if (endsPeriod) flush(delay);
  });
  return plans;
}
