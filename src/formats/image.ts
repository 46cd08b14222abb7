/**
 * The sparse EEPROM image every file format parses into, and what the commands do with one: merge
 * records into sorted segments (refusing two different values for the same address), check that an
 * image fits a device, shift it to an offset, lay it flat over a background, and compare it with
 * bytes read back from a chip.
 *
 * Addresses are plain numbers from 0 to 2^32 (the largest an Intel HEX or S-record file can
 * address); every end is exclusive. Nothing here touches the file system or the hardware.
 */
import { HilError, type ErrnoCode } from '../abi/errno';

/** raw binary, Intel HEX, Motorola S-record */
export type ImageFormat = 'bin' | 'ihex' | 'srec';

export const IMAGE_FORMATS: readonly ImageFormat[] = ['bin', 'ihex', 'srec'];

export function isImageFormat(s: unknown): s is ImageFormat {
  return typeof s === 'string' && (IMAGE_FORMATS as readonly string[]).includes(s);
}

/** "raw binary", "Intel HEX", "Motorola S-record": for messages. */
export function describeFormat(format: ImageFormat): string {
  return format === 'bin' ? 'raw binary' : format === 'ihex' ? 'Intel HEX' : 'Motorola S-record';
}

/** One run of consecutive bytes starting at `address`. */
export interface ImageSegment {
  readonly address: number;
  readonly data: Uint8Array;
}

/**
 * What a file holds: its format and its data as segments sorted by address, never empty, never
 * touching or overlapping (adjacent records are merged into one segment).
 */
export interface SparseImage {
  readonly format: ImageFormat;
  readonly segments: readonly ImageSegment[];
}

/** [address, address + length) */
export interface ByteRange {
  readonly address: number;
  readonly length: number;
}

/** 4 GiB: one past the highest address a 32-bit record can reach. */
export const ADDRESS_LIMIT = 0x1_0000_0000;

/** "an Intel HEX", "a Motorola S-record", "a raw binary": for messages. */
export function withArticle(format: ImageFormat): string {
  return `${format === 'ihex' ? 'an' : 'a'} ${describeFormat(format)}`;
}

/** A file whose content is wrong; `line` (1-based) is set when one line is to blame. */
export class ImageFormatError extends HilError {
  readonly line: number | undefined;

  constructor(code: ErrnoCode, message: string, line?: number) {
    super(code, message);
    this.name = 'ImageFormatError';
    this.line = line;
  }
}

export function hexAddress(n: number): string {
  return `0x${n.toString(16)}`;
}

export function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** A record's bytes and the line it came from, before merging. */
export interface Piece {
  readonly address: number;
  readonly data: Uint8Array;
  readonly line: number;
}

/**
 * Sorts pieces by address and joins touching ones into segments. Pieces that overlap must agree
 * byte for byte (some tools repeat a record); if they differ the file is refused, naming both lines.
 * `source` names the file in that message.
 */
export function mergePieces(pieces: readonly Piece[], source: string): ImageSegment[] {
  const sorted = pieces.filter((p) => p.data.length > 0).sort((a, b) => a.address - b.address);
  const out: ImageSegment[] = [];
  let start = 0;
  let buf = new Uint8Array(0);
  let len = 0; // bytes of buf in use: the current segment is [start, start + len)
  let inSegment: Piece[] = [];

  const flush = (): void => {
    if (len > 0) out.push({ address: start, data: buf.slice(0, len) });
    len = 0;
    inSegment = [];
  };
  const append = (bytes: Uint8Array): void => {
    if (len + bytes.length > buf.length) {
      const grown = new Uint8Array(Math.max(len + bytes.length, buf.length * 2, 256));
      grown.set(buf.subarray(0, len));
      buf = grown;
    }
    buf.set(bytes, len);
    len += bytes.length;
  };

  for (const p of sorted) {
    const end = start + len;
    if (len > 0 && p.address <= end) {
      const overlapEnd = Math.min(end, p.address + p.data.length);
      for (let a = p.address; a < overlapEnd; a++) {
        const here = p.data[a - p.address]!;
        const there = buf[a - start]!;
        if (here !== there) {
          const other = inSegment.find((q) => q.address <= a && a < q.address + q.data.length && q.data[a - q.address] === there);
          const [first, second] = other && other.line < p.line ? [other, p] : [p, other];
          const lines = other ? `lines ${first.line} and ${second!.line}` : `line ${p.line} and an earlier line`;
          const values = other ? `${hexByte(first.data[a - first.address]!)} and ${hexByte(second!.data[a - second!.address]!)}` : `${hexByte(here)} and ${hexByte(there)}`;
          throw new ImageFormatError(
            'EINVAL',
            `${source}: ${lines} give different bytes for address ${hexAddress(a)} (${values}); ` +
              'the file holds two versions of the same memory: regenerate it from one source',
            Math.max(p.line, other?.line ?? p.line),
          );
        }
      }
      if (p.address + p.data.length > end) append(p.data.subarray(end - p.address));
      inSegment.push(p);
    } else {
      flush();
      start = p.address;
      append(p.data);
      inSegment.push(p);
    }
  }
  flush();
  return out;
}

/** The lowest address, one past the highest, and how many bytes the image holds. */
export function imageBounds(image: SparseImage): { readonly start: number; readonly end: number; readonly bytes: number } {
  const segs = image.segments;
  if (segs.length === 0) return { start: 0, end: 0, bytes: 0 };
  const last = segs[segs.length - 1]!;
  return { start: segs[0]!.address, end: last.address + last.data.length, bytes: segs.reduce((n, s) => n + s.data.length, 0) };
}

/** The address ranges the image defines (what `write` writes and `verify` compares). */
export function imageRanges(image: SparseImage): ByteRange[] {
  return image.segments.map((s) => ({ address: s.address, length: s.data.length }));
}

/** The image moved up by `offset` bytes (e.g. a raw binary file written at `--offset`). */
export function shiftImage(image: SparseImage, offset: number): SparseImage {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new HilError('EINVAL', `image offset ${offset} is not a non-negative integer`);
  if (offset === 0) return image;
  return { format: image.format, segments: image.segments.map((s) => ({ address: s.address + offset, data: s.data })) };
}

export type FitResult =
  | { readonly fits: true }
  | { readonly fits: false; /** the first address at or past the device's end */ readonly firstOutside: number; /** one past the image's highest address */ readonly end: number };

/** Whether every byte of the image, moved up by `offset`, lies in a device of `deviceSize` bytes. */
export function imageFits(image: SparseImage, deviceSize: number, offset = 0): FitResult {
  for (const s of image.segments) {
    const from = s.address + offset;
    const to = from + s.data.length;
    if (to > deviceSize) return { fits: false, firstOutside: Math.max(from, deviceSize), end: imageBounds(image).end + offset };
  }
  return { fits: true };
}

/**
 * Refuses (ENOSPC) an image that does not fit a device, naming the first address past its end.
 * `source` names the file, `device` the chip; `offset` is where the image's address 0 goes.
 */
export function checkImageFits(image: SparseImage, deviceSize: number, what: { device: string; source: string; offset?: number }): void {
  const offset = what.offset ?? 0;
  const fit = imageFits(image, deviceSize, offset);
  if (fit.fits) return;
  const at = offset ? ` placed at offset ${hexAddress(offset)}` : '';
  const size = deviceSize > 0 ? `offsets 0..${hexAddress(deviceSize - 1)}` : 'no offsets at all';
  throw new HilError(
    'ENOSPC',
    `${what.source}${at} does not fit ${what.device} (${deviceSize} bytes, ${size}): ` +
      `it holds data up to ${hexAddress(fit.end - 1)}, the first byte past the end is at ${hexAddress(fit.firstOutside)}; ` +
      'check that the file is meant for this chip' +
      (offset ? ' and the offset is right' : ''),
  );
}

export interface FlattenOptions {
  /** The first address of the result (default: the image's lowest address). */
  readonly address?: number;
  /** Its length (default: up to the image's highest address). */
  readonly length?: number;
  /** What the bytes the image does not define become (default 0xff, an erased EEPROM). */
  readonly fill?: number;
  /** Or: a background of `length` bytes (e.g. the chip's current contents) the image is laid over. */
  readonly onto?: Uint8Array;
}

/** One contiguous buffer and the ranges in it that came from the image. */
export interface FlatImage {
  readonly address: number;
  readonly data: Uint8Array;
  readonly ranges: readonly ByteRange[];
}

/** Lays the image over a filled (or given) background; image bytes outside the window are refused. */
export function flattenImage(image: SparseImage, o: FlattenOptions = {}): FlatImage {
  const b = imageBounds(image);
  const address = o.address ?? b.start;
  const length = o.length ?? o.onto?.length ?? Math.max(0, b.end - address);
  if (o.onto && o.onto.length !== length) {
    throw new HilError('EINVAL', `flattenImage: the background holds ${o.onto.length} bytes but the window is ${length}`);
  }
  if (b.bytes > 0 && (b.start < address || b.end > address + length)) {
    throw new HilError(
      'EINVAL',
      `the image's data (${hexAddress(b.start)}..${hexAddress(b.end - 1)}) does not lie inside ${hexAddress(address)}..${hexAddress(address + length - 1)}`,
    );
  }
  const data = o.onto ? o.onto.slice() : new Uint8Array(length).fill(o.fill ?? 0xff);
  for (const s of image.segments) data.set(s.data, s.address - address);
  return { address, data, ranges: imageRanges(image) };
}

export interface ImageDifference {
  readonly address: number;
  readonly expected: number;
  readonly actual: number;
}

export interface ImageComparison {
  /** bytes the image defines, all compared */
  readonly compared: number;
  readonly differences: number;
  /** the first `maxListed` differences, by address */
  readonly first: readonly ImageDifference[];
}

/**
 * Compares the bytes the image defines with `actual`, which holds what is at `actualAddress` and
 * up (e.g. a chip read back over the image's bounds). Gaps in the image are not compared.
 */
export function compareImage(image: SparseImage, actual: Uint8Array, actualAddress = 0, maxListed = 16): ImageComparison {
  const b = imageBounds(image);
  if (b.bytes > 0 && (b.start < actualAddress || b.end > actualAddress + actual.length)) {
    throw new HilError(
      'EINVAL',
      `compareImage: the image's data (${hexAddress(b.start)}..${hexAddress(b.end - 1)}) is not all inside the ${actual.length} bytes read at ${hexAddress(actualAddress)}`,
    );
  }
  const first: ImageDifference[] = [];
  let differences = 0;
  for (const s of image.segments) {
    const off = s.address - actualAddress;
    for (let i = 0; i < s.data.length; i++) {
      const e = s.data[i]!;
      const a = actual[off + i]!;
      if (e !== a) {
        differences++;
        if (first.length < maxListed) first.push({ address: s.address + i, expected: e, actual: a });
      }
    }
  }
  return { compared: b.bytes, differences, first };
}
