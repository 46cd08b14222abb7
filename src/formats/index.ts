/**
 * EEPROM image files: raw binary, Intel HEX and Motorola S-record, read into one sparse image and
 * written from bytes at an address. Pure functions on bytes; the caller reads and writes the files.
 *
 * A raw binary file has no addresses: it is one segment at address 0 and the caller moves it to
 * its offset (shiftImage). A text format carries its own addresses, which are device offsets.
 */
import { HilError } from '../abi/errno';
import { detectFormat } from './detect';
import { formatIntelHex, parseIntelHexPieces } from './ihex';
import { ADDRESS_LIMIT, hexAddress, type ImageFormat, ImageFormatError, type ImageSegment, isImageFormat, mergePieces, type SparseImage, withArticle } from './image';
import { formatSRecord, parseSRecordPieces, sRecordDataType, sRecordMaxData } from './srec';

export { detectFormat, formatFromFileName } from './detect';
export {
  ADDRESS_LIMIT,
  type ByteRange,
  checkImageFits,
  compareImage,
  describeFormat,
  type FitResult,
  type FlatImage,
  type FlattenOptions,
  flattenImage,
  type ImageComparison,
  type ImageDifference,
  IMAGE_FORMATS,
  type ImageFormat,
  ImageFormatError,
  type ImageSegment,
  imageBounds,
  imageFits,
  imageRanges,
  isImageFormat,
  shiftImage,
  type SparseImage,
  withArticle,
} from './image';

export interface ParseOptions {
  /** Names the file in error messages (default "image"), e.g. its path or "standard input". */
  readonly source?: string;
  /** The file name whose extension hints the format for 'auto' (default: `source`). */
  readonly fileName?: string;
}

/**
 * Reads a file's bytes as `format`, or detects it ('auto': content first, the extension of
 * `fileName` (or `source`) as a hint). Never returns an empty image: a file without data is
 * refused (ENODATA). Malformed content is an ImageFormatError (EINVAL) naming the line and what
 * is wrong with it. A 'bin' image's one segment shares memory with `bytes`.
 */
export function parseImage(bytes: Uint8Array, format: ImageFormat | 'auto', o: ParseOptions = {}): SparseImage {
  const source = o.source ?? 'image';
  if (format !== 'auto' && !isImageFormat(format)) {
    throw new HilError('EINVAL', `unknown image format "${String(format)}"; use bin, ihex, srec or auto`);
  }
  const f = format === 'auto' ? detectFormat(bytes, o.fileName ?? o.source) : format;
  if (bytes.length === 0) throw new ImageFormatError('ENODATA', `${source} is empty (0 bytes); there is nothing to write or compare`);
  if (f === 'bin') return { format: f, segments: [{ address: 0, data: bytes }] };
  const pieces = f === 'ihex' ? parseIntelHexPieces(bytes, source) : parseSRecordPieces(bytes, source);
  const segments = mergePieces(pieces, source);
  if (segments.length === 0) {
    throw new ImageFormatError('ENODATA', `${source} is ${withArticle(f)} file without data records; there is nothing to write or compare`);
  }
  return { format: f, segments };
}

export interface FormatOptions {
  /** Data bytes per record for ihex and srec (default 16; 32 halves the line count). */
  readonly recordSize?: number;
  /** srec: the S0 header text (ASCII, default empty). */
  readonly header?: string;
}

function checkOptions(format: 'ihex' | 'srec', segments: readonly ImageSegment[], o: FormatOptions): { recordSize: number; header: string } {
  const recordSize = o.recordSize ?? 16;
  const last = segments.length ? segments[segments.length - 1]!.address + segments[segments.length - 1]!.data.length - 1 : 0;
  const type = sRecordDataType(last);
  const [max, kind] = format === 'ihex' ? [255, 'an Intel HEX record'] : [sRecordMaxData(type), `an S${type} record`];
  if (!Number.isInteger(recordSize) || recordSize < 1 || recordSize > max) {
    throw new HilError('EINVAL', `record size ${recordSize} is out of range: ${kind} holds 1 to ${max} data bytes (16 and 32 are usual)`);
  }
  const header = o.header ?? '';
  if (format === 'srec' && (!/^[\x20-\x7e]*$/.test(header) || header.length > 252)) {
    throw new HilError('EINVAL', `S-record header "${header}" must be printable ASCII of at most 252 characters`);
  }
  return { recordSize, header };
}

function checkSegments(segments: readonly ImageSegment[]): void {
  let end = 0;
  for (const s of segments) {
    if (!Number.isSafeInteger(s.address) || s.address < end) {
      throw new HilError('EINVAL', `segments must be sorted by address and must not overlap (one starts at ${hexAddress(s.address)}, before ${hexAddress(end)})`);
    }
    end = s.address + s.data.length;
    if (end > ADDRESS_LIMIT) {
      throw new HilError('EINVAL', `${s.data.length} bytes at ${hexAddress(s.address)} reach past 4 GiB, the most Intel HEX and S-records can address`);
    }
  }
}

const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

/**
 * A file in `format` holding `data` at `baseAddress`. Intel HEX: records of `recordSize` bytes with
 * extended linear address records where needed; S-record: S1/S2/S3 chosen by the highest address,
 * with the matching S9/S8/S7. 'bin' returns `data` itself (a raw file has no address: the caller
 * keeps track of where it came from).
 */
export function formatImage(data: Uint8Array, baseAddress: number, format: ImageFormat, o: FormatOptions = {}): Uint8Array {
  if (!Number.isSafeInteger(baseAddress) || baseAddress < 0) throw new HilError('EINVAL', `base address ${baseAddress} is not a non-negative integer`);
  if (format === 'bin') return data;
  return formatSegments(data.length ? [{ address: baseAddress, data }] : [], format, o);
}

/** A text file (ihex or srec) holding a sparse image's segments (sorted, not overlapping). */
export function formatSegments(segments: readonly ImageSegment[], format: 'ihex' | 'srec', o: FormatOptions = {}): Uint8Array {
  if (format !== 'ihex' && format !== 'srec') {
    throw new HilError('EINVAL', `formatSegments writes ihex or srec, not ${String(format)}: a raw binary file has no addresses (flattenImage first)`);
  }
  checkSegments(segments);
  const { recordSize, header } = checkOptions(format, segments, o);
  return ascii(format === 'ihex' ? formatIntelHex(segments, recordSize) : formatSRecord(segments, recordSize, header));
}
