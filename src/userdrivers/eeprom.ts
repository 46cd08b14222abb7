/**
 * The one EEPROM API every driver implements (AT25 over SPI, AT24 over I2C), and the argument
 * checks they share.
 *
 * Every method validates its arguments before any bus traffic and fails with `HilError('EINVAL')`;
 * zero-length reads and writes are no-ops. Writes are split at page boundaries by the driver,
 * never left to the chip's page wrap, and are read back and compared unless `verify: false`.
 */
import { HilError } from '../abi/errno';

/** Block protection as AT25 BP1:BP0 encode it. */
export type ProtectedBlocks = 'none' | 'upper-quarter' | 'upper-half' | 'all';

export const PROTECTED_BLOCKS: readonly ProtectedBlocks[] = ['none', 'upper-quarter', 'upper-half', 'all'];

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

export interface WriteProgress {
  /** Bytes written so far (whole pages and page fragments). */
  readonly done: number;
  readonly total: number;
}

export interface WriteOptions {
  /** Read back and compare after writing; default true. A mismatch is `EIO` naming the offset. */
  readonly verify?: boolean;
  /** Called after each page write completes. */
  readonly onProgress?: (p: WriteProgress) => void;
  /** Checked before each page: an abort stops after the page in flight, with `ECANCELED`. */
  readonly signal?: AbortSignal;
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
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array, opts?: WriteOptions): Promise<void>;
  /** Fills [offset, offset + length) with `fill` (defaults: the whole array, 0xff). */
  erase(offset?: number, length?: number, fill?: number, opts?: WriteOptions): Promise<void>;
  status(): Promise<EepromStatus>;
  /** AT25: sets BP1:BP0 (and WPEN); AT24: `ENOTSUP`. */
  setProtection(p: ProtectionSettings): Promise<void>;
}

/** Checks that [offset, offset + length) is a valid range of an array of `size` bytes. */
export function checkRange(name: string, size: number, offset: unknown, length: unknown): void {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new HilError('EINVAL', `${name}: offset ${String(offset)} must be a non-negative integer`);
  }
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw new HilError('EINVAL', `${name}: length ${String(length)} must be a non-negative integer`);
  }
  if (offset > size || length > size - offset) {
    throw new HilError(
      'EINVAL',
      `${name}: range [${offset}, ${offset + length}) lies outside the ${size}-byte array (last offset ${size - 1})`,
    );
  }
}

export function checkData(name: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new HilError('EINVAL', `${name}: data must be a Uint8Array`);
}

export function checkFill(name: string, fill: unknown): asserts fill is number {
  if (typeof fill !== 'number' || !Number.isInteger(fill) || fill < 0 || fill > 0xff) {
    throw new HilError('EINVAL', `${name}: fill ${String(fill)} must be a byte value 0..255`);
  }
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
