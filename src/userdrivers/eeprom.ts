/**
 * The one EEPROM API every driver implements (AT25 over SPI, AT24 over I2C), and the checks the
 * drivers share. The vocabulary both sides of the EEPROM service use (block protection, status,
 * the range check) lives in abi/eeprom-iface.ts and is re-exported here.
 *
 * Every method validates its arguments before any bus traffic and fails with `HilError('EINVAL')`;
 * zero-length reads and writes are no-ops. Writes are split at page boundaries by the driver,
 * never left to the chip's page wrap, and are read back and compared unless `verify: false`.
 */
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import type { EepromStatus, ProtectedBlocks } from '../abi/eeprom-iface';

export { checkRange, PROTECTED_BLOCKS, protectedFrom, type EepromStatus, type ProtectedBlocks } from '../abi/eeprom-iface';

export interface WriteProgress {
  /** Bytes written so far (whole pages and page fragments). */
  readonly done: number;
  readonly total: number;
}

export interface WriteOptions {
  /** Read back and compare after writing; default true. A mismatch is `EIO` naming the offset. */
  readonly verify?: boolean;
  /** Read each page first and leave pages that already hold the data alone; default false. */
  readonly skipUnchanged?: boolean;
  /** Called after each page completes. */
  readonly onProgress?: (p: WriteProgress) => void;
  /** Checked before each page: an abort stops after the page in flight, with `ECANCELED`. */
  readonly signal?: AbortSignal;
  /**
   * The whole write this call is a piece of (default: this call's own range): the write is
   * refused before any byte moves unless all of it may be written (block protection).
   */
  readonly span?: { readonly offset: number; readonly length: number };
}

/** What a write did, page by page. */
export interface WriteResult {
  readonly written: number;
  readonly skipped: number;
}

export interface ProtectionSettings {
  readonly blocks: ProtectedBlocks;
  /** AT25 WPEN: with the WP pin low, the status register becomes read-only. Unchanged if absent. */
  readonly wpen?: boolean;
}

export interface Eeprom {
  /** Bytes in the array. */
  size(): number;
  /** Bytes in one write page. */
  pageSize(): number;
  /** Most bytes one bus read moves: the natural unit of a read. */
  readChunk(): number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Reads [offset, offset + dst.length) into dst, which may be a window of a lent buffer. */
  readInto(offset: number, dst: BusBuffer): Promise<void>;
  write(offset: number, data: Uint8Array, opts?: WriteOptions): Promise<WriteResult>;
  /** Fills [offset, offset + length) with `fill` (defaults: the whole array, 0xff). */
  erase(offset?: number, length?: number, fill?: number, opts?: WriteOptions): Promise<WriteResult>;
  status(): Promise<EepromStatus>;
  /** AT25: sets BP1:BP0 (and WPEN); AT24: `ENOTSUP`. */
  setProtection(p: ProtectionSettings): Promise<void>;
}

export function checkData(name: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new HilError('EINVAL', `${name}: data must be a Uint8Array`);
}

export function checkFill(name: string, fill: unknown): asserts fill is number {
  if (typeof fill !== 'number' || !Number.isInteger(fill) || fill < 0 || fill > 0xff) {
    throw new HilError('EINVAL', `${name}: fill ${String(fill)} must be a byte value 0..255`);
  }
}

/** Compares what was written with what was read back; a difference is `EIO` naming the first offset. */
export function compareReadback(name: string, base: number, expected: Uint8Array, actual: Uint8Array): void {
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== actual[i]) {
      const at = base + i;
      throw new HilError(
        'EIO',
        `${name}: verify failed at offset ${at} (0x${at.toString(16)}): wrote 0x${hex(expected[i]!)}, read back 0x${hex(actual[i]!)}; ` +
          'the chip ignored or corrupted the write (write-protect pin, block protection, or a worn cell)',
      );
    }
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Throws `ECANCELED` when the signal has fired, saying how much was written. */
export function checkAborted(name: string, signal: AbortSignal | undefined, done: number, total: number): void {
  if (signal?.aborted) {
    throw new HilError('ECANCELED', `${name}: write aborted after ${done} of ${total} bytes (the page in flight completed)`);
  }
}

/** True when every byte of `a` equals `b`'s. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
