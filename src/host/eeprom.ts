/**
 * The library's EEPROM handle: every operation a user of a chip needs (read, dump, write, erase,
 * verify, blank check, status, protection), as a client of the EEPROM service a driver thread
 * serves (abi/eeprom-iface.ts), through the kernel's IPC.
 *
 * This is the one layer that chunks for people: a read goes in calls of one bus read each (the
 * driver's `readChunk`), a write or erase in calls of one page each, so progress moves and an
 * abort stops after the page in flight; callers (the CLI) ask for whole ranges. Data never
 * travels in messages: each call lends the caller's buffer to the driver, and the bus fills it
 * (reads) or the driver copies the page it needs (writes). Arguments are checked once, here,
 * before any bus traffic; a write or erase that a read-only node or block protection would refuse
 * is refused before any byte moves (every page call names the whole write it belongs to, and the
 * driver checks protection for all of it before the first page).
 */
import {
  checkRange,
  decodeStatus,
  EEPROM_FAMILY,
  EEPROM_IFACE,
  type EepromStatus,
  isProtectedBlocks,
  PROTECTED_BLOCKS,
  type ProtectedBlocks,
  WRITE_FLAGS,
} from '../abi/eeprom-iface';
import { HilError } from '../abi/errno';
import { type Client, makeClient } from '../abi/ipc-interface';
import { ArgumentError } from './errors';

export interface Progress {
  readonly done: number;
  readonly total: number;
}

export interface TransferOptions {
  /** Called after each call to the driver (a bus read, a page). */
  readonly onProgress?: (p: Progress) => void;
  /** Checked before each call: an abort stops after the page (or read) in flight. */
  readonly signal?: AbortSignal;
}

export interface WriteOptions extends TransferOptions {
  /** Read back and compare every page after writing it; default true. */
  readonly verify?: boolean;
  /** Read each page first and leave pages that already hold the data alone; default false. */
  readonly skipUnchanged?: boolean;
}

export interface WriteReport {
  readonly offset: number;
  readonly bytes: number;
  readonly pagesWritten: number;
  readonly pagesSkipped: number;
  readonly verified: boolean;
}

export interface VerifyReport {
  readonly offset: number;
  readonly length: number;
  readonly match: boolean;
  readonly differences: number;
  /** The first differing bytes (at most 16). */
  readonly first: readonly { readonly offset: number; readonly expected: number; readonly actual: number }[];
}

export interface BlankReport {
  readonly offset: number;
  readonly length: number;
  readonly blank: boolean;
  /** Bytes that are not 0xff. */
  readonly nonBlank: number;
  readonly firstNonBlank: number | undefined;
}

export interface ProtectionSettings {
  readonly blocks?: ProtectedBlocks | undefined;
  /** AT25 WPEN: with the WP pin low, the status register becomes read-only. Unchanged if absent. */
  readonly wpen?: boolean | undefined;
}

/**
 * A write or erase stopped by its abort signal: whole pages only, and how far it got. `latch`
 * is the chip's write-enable latch afterwards (undefined when the part has none).
 */
export class InterruptedError extends HilError {
  constructor(
    message: string,
    readonly done: number,
    readonly total: number,
    readonly resumeAt: number,
    readonly latch: boolean | undefined,
  ) {
    super('ECANCELED', message);
    this.name = 'InterruptedError';
  }
}

/** Sends a request with leases through the kernel; resolves with the reply or throws the server's error. */
export type EepromTransport = (msg: Uint8Array, leases: readonly { readonly buf: Uint8Array; readonly access: 'read' | 'write' }[]) => Promise<Uint8Array>;

const MAX_LISTED = 16;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export class EepromHandle {
  readonly name: string;
  readonly size: number;
  readonly pageSize: number;
  /** Most bytes one driver read call moves. */
  readonly readChunk: number;
  readonly family: 'at25' | 'at24';
  readonly readOnly: boolean;
  readonly #rpc: Client<typeof EEPROM_IFACE, Uint8Array>;

  private constructor(name: string, rpc: Client<typeof EEPROM_IFACE, Uint8Array>, info: { size: number; pageSize: number; readChunk: number; family: number; readOnly: number }) {
    this.name = name;
    this.#rpc = rpc;
    this.size = info.size;
    this.pageSize = info.pageSize;
    this.readChunk = Math.max(1, info.readChunk);
    this.family = info.family === EEPROM_FAMILY.at24 ? 'at24' : 'at25';
    this.readOnly = info.readOnly === 1;
  }

  static async open(name: string, send: EepromTransport): Promise<EepromHandle> {
    const rpc = makeClient(EEPROM_IFACE, send);
    return new EepromHandle(name, rpc, await rpc.info({}, {}));
  }

  /** Refuses [offset, offset + length) unless it lies in the device; the caller's mistake, nothing touched. */
  checkRange(offset: number, length: number): void {
    try {
      checkRange(this.name, this.size, offset, length);
    } catch (e) {
      throw e instanceof HilError ? new ArgumentError(e.code, e.message) : e;
    }
  }

  async read(offset: number, length: number, opts: TransferOptions = {}): Promise<Uint8Array> {
    this.checkRange(offset, length);
    const out = new Uint8Array(length);
    await this.readInto(offset, out, opts);
    return out;
  }

  /** Reads into a buffer of the caller's: the driver's bus reads fill it directly. */
  async readInto(offset: number, dst: Uint8Array, opts: TransferOptions = {}): Promise<void> {
    this.checkRange(offset, dst.length);
    const total = dst.length;
    for (let done = 0; done < total; ) {
      this.stopIfAborted(opts.signal, `interrupted after reading ${done} of ${total} bytes; nothing was changed`, done, total, offset + done, undefined);
      const n = Math.min(this.readChunk, total - done);
      await this.#rpc.read({ offset: offset + done, length: n }, { data: dst.subarray(done, done + n) });
      done += n;
      opts.onProgress?.({ done, total });
    }
  }

  /** The whole device. */
  dump(opts: TransferOptions = {}): Promise<Uint8Array> {
    return this.read(0, this.size, opts);
  }

  async write(offset: number, data: Uint8Array, opts: WriteOptions = {}): Promise<WriteReport> {
    if (!(data instanceof Uint8Array)) throw new ArgumentError('EINVAL', `${this.name}: data must be a Uint8Array`);
    this.checkRange(offset, data.length);
    const span = { spanOffset: offset, spanLength: data.length };
    return this.writePages('write', offset, data.length, opts, (at, n) =>
      this.#rpc.write({ offset: at, length: n, flags: this.flags(opts), ...span }, { data: data.subarray(at - offset, at - offset + n) }),
    );
  }

  /** Fills [offset, offset + length) with `fill` (defaults: from offset to the end, 0xff). */
  async erase(offset = 0, length?: number, fill = 0xff, opts: WriteOptions = {}): Promise<WriteReport> {
    const len = length ?? (Number.isSafeInteger(offset) ? this.size - offset : NaN);
    this.checkRange(offset, len);
    if (!Number.isInteger(fill) || fill < 0 || fill > 0xff) throw new ArgumentError('EINVAL', `${this.name}: fill ${String(fill)} is not a byte (0..255)`);
    const span = { spanOffset: offset, spanLength: len };
    return this.writePages('erase', offset, len, opts, (at, n) => this.#rpc.erase({ offset: at, length: n, fill, flags: this.flags(opts), ...span }, {}));
  }

  /** Compares the device with `expected` at `offset`. */
  async verify(offset: number, expected: Uint8Array, opts: TransferOptions = {}): Promise<VerifyReport> {
    if (expected.length === 0) throw new ArgumentError('EINVAL', `${this.name}: nothing to compare (the expected data is empty)`);
    const actual = await this.read(offset, expected.length, opts);
    const first: { offset: number; expected: number; actual: number }[] = [];
    let differences = 0;
    for (let i = 0; i < expected.length; i++) {
      if (expected[i] !== actual[i]) {
        differences++;
        if (first.length < MAX_LISTED) first.push({ offset: offset + i, expected: expected[i]!, actual: actual[i]! });
      }
    }
    return { offset, length: expected.length, match: differences === 0, differences, first };
  }

  /** Is [offset, offset + length) erased (all 0xff)? Default: the whole device. */
  async blank(offset = 0, length?: number, opts: TransferOptions = {}): Promise<BlankReport> {
    const len = length ?? (Number.isSafeInteger(offset) ? this.size - offset : NaN);
    const data = await this.read(offset, len, opts);
    let nonBlank = 0;
    let firstNonBlank: number | undefined;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0xff) {
        nonBlank++;
        firstNonBlank ??= offset + i;
      }
    }
    return { offset, length: len, blank: nonBlank === 0, nonBlank, firstNonBlank };
  }

  async status(): Promise<EepromStatus> {
    return decodeStatus(await this.#rpc.status({}, {}));
  }

  /** Sets block protection and/or WPEN (AT25); returns the status afterwards. */
  async protect(p: ProtectionSettings): Promise<EepromStatus> {
    if (p.blocks !== undefined && !isProtectedBlocks(p.blocks)) {
      throw new ArgumentError('EINVAL', `${this.name}: blocks must be one of ${PROTECTED_BLOCKS.join(', ')}`);
    }
    if (p.blocks === undefined && p.wpen === undefined) throw new ArgumentError('EINVAL', `${this.name}: give blocks, wpen or both`);
    if (this.readOnly) throw new HilError('EROFS', `${this.name}: the devicetree marks this EEPROM read-only; its protection cannot be changed`);
    const blocks = p.blocks ?? (await this.status()).blocks;
    await this.#rpc.protect({ blocks: PROTECTED_BLOCKS.indexOf(blocks), wpen: p.wpen === undefined ? 2 : p.wpen ? 1 : 0 }, {});
    return this.status();
  }

  private flags(o: WriteOptions): number {
    return (o.verify === false ? 0 : WRITE_FLAGS.VERIFY) | (o.skipUnchanged ? WRITE_FLAGS.SKIP_UNCHANGED : 0);
  }

  /** A write or erase, one page per call: progress per page, an abort after the page in flight. */
  private async writePages(kind: 'write' | 'erase', offset: number, length: number, opts: WriteOptions, page: (at: number, n: number) => Promise<{ written: number; skipped: number }>): Promise<WriteReport> {
    // The first call carries the whole span: the driver refuses it, before any byte moves, if block protection covers any of it.
    if (this.readOnly && length > 0) throw new HilError('EROFS', `${this.name}: the devicetree marks this EEPROM read-only; the ${kind} was refused`);
    let done = 0;
    let written = 0;
    let skipped = 0;
    while (done < length) {
      if (opts.signal?.aborted) {
        const st = await this.status().catch(() => undefined);
        const latch = st?.wel;
        const range = done > 0 ? ` [${hex(offset)}..${hex(offset + done - 1)}]` : '';
        throw new InterruptedError(
          `${this.name}: ${kind} interrupted: ${done} of ${length} bytes done${range}, whole pages only; ` +
            `the rest from ${hex(offset + done)} is unchanged; write-enable latch ${latch === undefined ? 'not applicable' : latch ? 'SET (unexpected)' : 'clear'}`,
          done,
          length,
          offset + done,
          latch,
        );
      }
      const at = offset + done;
      const n = Math.min(length - done, this.pageSize - (at % this.pageSize));
      const r = await page(at, n);
      written += r.written;
      skipped += r.skipped;
      done += n;
      opts.onProgress?.({ done, total: length });
    }
    return { offset, bytes: length, pagesWritten: written, pagesSkipped: skipped, verified: opts.verify !== false };
  }

  private stopIfAborted(signal: AbortSignal | undefined, what: string, done: number, total: number, resumeAt: number, latch: boolean | undefined): void {
    if (signal?.aborted) throw new InterruptedError(`${this.name}: ${what}`, done, total, resumeAt, latch);
  }
}

