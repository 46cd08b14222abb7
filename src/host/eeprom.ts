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
import { checkImageFits, imageBounds, type SparseImage } from '../formats';
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

/** A sparse image written: the ranges it covered (in address order) and the pages of all of them. */
export interface ImageWriteReport extends WriteReport {
  readonly ranges: readonly { readonly offset: number; readonly length: number }[];
}

export interface ImageOptions {
  /** Names the image in errors ("chip.hex"; default "the image"). */
  readonly source?: string;
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
    return this.writePages('write', [{ offset, length: data.length }], opts, (at, n) =>
      this.#rpc.write({ offset: at, length: n, flags: this.flags(opts), ...span }, { data: data.subarray(at - offset, at - offset + n) }),
    );
  }

  /**
   * Writes a sparse image (parseImage; its addresses are device offsets, shiftImage moves it):
   * only the ranges it covers, a page per call as `write`, with progress and abort over all of
   * them. Refused before any byte moves if it does not fit the device (ArgumentError ENOSPC), or
   * if a read-only node or block protection would refuse any of it.
   */
  async writeImage(image: SparseImage, opts: WriteOptions & ImageOptions = {}): Promise<ImageWriteReport> {
    this.checkImage(image, opts.source);
    const b = imageBounds(image);
    // Every page call names the image's whole extent: protection is a suffix of the chip, so it
    // covers some of the image's bytes exactly when it overlaps this span.
    const span = { spanOffset: b.start, spanLength: b.end - b.start };
    const ranges = image.segments.map((s) => ({ offset: s.address, length: s.data.length }));
    const bySegment = image.segments.map((s) => ({ start: s.address, end: s.address + s.data.length, data: s.data }));
    const r = await this.writePages('write', ranges, opts, (at, n) => {
      const seg = bySegment.find((s) => at >= s.start && at < s.end)!;
      return this.#rpc.write({ offset: at, length: n, flags: this.flags(opts), ...span }, { data: seg.data.subarray(at - seg.start, at - seg.start + n) });
    });
    return { ...r, offset: b.start, ranges };
  }

  /** Compares the bytes a sparse image defines with the device (gaps are not compared). */
  async verifyImage(image: SparseImage, opts: TransferOptions & ImageOptions = {}): Promise<VerifyReport> {
    this.checkImage(image, opts.source);
    const b = imageBounds(image);
    const first: { offset: number; expected: number; actual: number }[] = [];
    let differences = 0;
    let before = 0;
    for (const s of image.segments) {
      const actual = new Uint8Array(s.data.length);
      const base = before;
      await this.readInto(s.address, actual, { ...opts, onProgress: (p) => opts.onProgress?.({ done: base + p.done, total: b.bytes }) });
      for (let i = 0; i < actual.length; i++) {
        if (actual[i] !== s.data[i]) {
          differences++;
          if (first.length < MAX_LISTED) first.push({ offset: s.address + i, expected: s.data[i]!, actual: actual[i]! });
        }
      }
      before += s.data.length;
    }
    return { offset: b.start, length: b.bytes, match: differences === 0, differences, first };
  }

  /** Fills [offset, offset + length) with `fill` (defaults: from offset to the end, 0xff). */
  async erase(offset = 0, length?: number, fill = 0xff, opts: WriteOptions = {}): Promise<WriteReport> {
    const len = length ?? (Number.isSafeInteger(offset) ? this.size - offset : NaN);
    this.checkRange(offset, len);
    if (!Number.isInteger(fill) || fill < 0 || fill > 0xff) throw new ArgumentError('EINVAL', `${this.name}: fill ${String(fill)} is not a byte (0..255)`);
    const span = { spanOffset: offset, spanLength: len };
    return this.writePages('erase', [{ offset, length: len }], opts, (at, n) => this.#rpc.erase({ offset: at, length: n, fill, flags: this.flags(opts), ...span }, {}));
  }

  /** Refuses an empty image or one that does not fit the device: the caller's mistake, nothing touched. */
  checkImage(image: SparseImage, source = 'the image'): void {
    if (imageBounds(image).bytes === 0) throw new ArgumentError('EINVAL', `${this.name}: ${source} holds no data`);
    const only = image.segments[0]!;
    // Raw bytes are a range like any other; a file with addresses is named with the address at fault.
    if (image.format === 'bin' && image.segments.length === 1) return this.checkRange(only.address, only.data.length);
    try {
      checkImageFits(image, this.size, { device: this.name, source });
    } catch (e) {
      throw e instanceof HilError ? new ArgumentError(e.code, e.message) : e;
    }
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

  /**
   * A write or erase of one or more ranges (sorted, not overlapping), one page per call: progress
   * per page over all of them, an abort after the page in flight.
   */
  private async writePages(
    kind: 'write' | 'erase',
    ranges: readonly { readonly offset: number; readonly length: number }[],
    opts: WriteOptions,
    page: (at: number, n: number) => Promise<{ written: number; skipped: number }>,
  ): Promise<WriteReport> {
    const total = ranges.reduce((n, r) => n + r.length, 0);
    const offset = ranges[0]?.offset ?? 0;
    // The first call carries the whole span: the driver refuses it, before any byte moves, if block protection covers any of it.
    if (this.readOnly && total > 0) throw new HilError('EROFS', `${this.name}: the devicetree marks this EEPROM read-only; the ${kind} was refused`);
    let done = 0;
    let written = 0;
    let skipped = 0;
    for (const range of ranges) {
      for (let inRange = 0; inRange < range.length; ) {
        const at = range.offset + inRange;
        if (opts.signal?.aborted) throw await this.interrupted(kind, ranges, done, total, at);
        const n = Math.min(range.length - inRange, this.pageSize - (at % this.pageSize));
        const r = await page(at, n);
        written += r.written;
        skipped += r.skipped;
        inRange += n;
        done += n;
        opts.onProgress?.({ done, total });
      }
    }
    return { offset, bytes: total, pagesWritten: written, pagesSkipped: skipped, verified: opts.verify !== false };
  }

  /** The error of a write stopped at `at` after `done` of `total` bytes: how far it got, and the write-enable latch. */
  private async interrupted(kind: 'write' | 'erase', ranges: readonly { readonly offset: number; readonly length: number }[], done: number, total: number, at: number): Promise<InterruptedError> {
    const st = await this.status().catch(() => undefined);
    const latch = st?.wel;
    const latchText = `write-enable latch ${latch === undefined ? 'not applicable' : latch ? 'SET (unexpected)' : 'clear'}`;
    if (ranges.length === 1) {
      const offset = ranges[0]!.offset;
      const range = done > 0 ? ` [${hex(offset)}..${hex(offset + done - 1)}]` : '';
      return new InterruptedError(
        `${this.name}: ${kind} interrupted: ${done} of ${total} bytes done${range}, whole pages only; the rest from ${hex(at)} is unchanged; ${latchText}`,
        done,
        total,
        at,
        latch,
      );
    }
    return new InterruptedError(
      `${this.name}: ${kind} interrupted: ${done} of ${total} bytes of ${ranges.length} ranges done, whole pages only; the image's bytes from ${hex(at)} on are unchanged; ${latchText}`,
      done,
      total,
      at,
      latch,
    );
  }

  private stopIfAborted(signal: AbortSignal | undefined, what: string, done: number, total: number, resumeAt: number, latch: boolean | undefined): void {
    if (signal?.aborted) throw new InterruptedError(`${this.name}: ${what}`, done, total, resumeAt, latch);
  }
}

