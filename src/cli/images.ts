/**
 * Image files as the commands take and give them: raw binary, Intel HEX or Motorola S-record,
 * read from `--in FILE` (or `-`, or `--hex`) into a sparse image, and bytes read from a chip
 * written out in the format `--format` or the `--out` file's extension asks for.
 *
 * OFFSET: a raw binary file has no addresses, so its first byte goes to OFFSET. An Intel HEX or
 * S-record file carries its own addresses, which are device offsets: OFFSET (default 0) is added
 * to every one of them, as `srec_cat -offset` does, so a file made by `read … --format ihex` goes
 * back where it came from with OFFSET left out, and the same file can be moved with OFFSET.
 */
import {
  describeFormat,
  formatFromFileName,
  formatImage,
  type ImageFormat,
  imageBounds,
  parseImage,
  shiftImage,
  type SparseImage,
} from '../index';
import { UsageError } from './errors';
import { describePath, isStdio, parseHexBytes, readFileOrFail } from './files';

/** `--format` of write and verify: a file format, or 'auto' (by content, the extension as a hint). */
export type InputFormat = ImageFormat | 'auto';
export const INPUT_FORMATS: readonly InputFormat[] = ['auto', 'bin', 'ihex', 'srec'];

export interface ImageInput {
  /** Where the data came from, for messages ("chip.hex", "standard input", "--hex"). */
  readonly source: string;
  /** The image at device offsets (OFFSET already added). */
  readonly image: SparseImage;
  readonly format: ImageFormat;
}

/**
 * The bytes to write or compare: `--in FILE` (or `-`) in `format`, or `--hex HEX`, placed at
 * `offset` as the module comment says. An empty file, or one that is not a valid image, is
 * refused (exit 2) naming the file and, for a damaged record, its line.
 */
export function readImageInput(o: { in?: string | undefined; hex?: string | undefined; format?: InputFormat | undefined }, offset: number, verb: 'write' | 'compare'): ImageInput {
  if (o.in !== undefined && o.hex !== undefined) throw new UsageError('EINVAL', 'give either --in FILE or --hex HEX, not both');
  if (o.hex !== undefined) {
    if (o.format !== undefined && o.format !== 'auto' && o.format !== 'bin') throw new UsageError('EINVAL', `--format ${o.format} is for --in files; --hex gives raw bytes`);
    return { source: '--hex', image: shiftImage({ format: 'bin', segments: [{ address: 0, data: parseHexBytes(o.hex) }] }, offset), format: 'bin' };
  }
  if (o.in === undefined) throw new UsageError('EINVAL', verb === 'write' ? 'nothing to write: give --in FILE or --hex HEX' : 'nothing to compare with: give --in FILE or --hex HEX');
  const bytes = readFileOrFail(o.in, 'input file');
  const source = isStdio(o.in) ? 'standard input' : o.in;
  if (bytes.length === 0) throw new UsageError('EINVAL', `input file ${source} is empty; there is nothing to ${verb}`);
  const image = parseImage(bytes, o.format ?? 'auto', { source, ...(isStdio(o.in) ? {} : { fileName: o.in }) });
  return { source, image: shiftImage(image, offset), format: image.format };
}

/** "300 bytes" or "300 bytes in 3 ranges": for messages. */
export function describeExtent(image: SparseImage): string {
  const b = imageBounds(image);
  return image.segments.length > 1 ? `${b.bytes} bytes in ${image.segments.length} ranges` : `${b.bytes} bytes`;
}

/** `--format` of read and dump for files: what the bytes become. */
export type FileFormat = ImageFormat;

/**
 * The format a read's output takes: `--format` if given, else the `--out` file's extension
 * (.hex → Intel HEX, .s19/.srec → S-record), else raw binary.
 */
export function outputFormat(format: FileFormat | undefined, out: string): FileFormat {
  if (format !== undefined) return format;
  if (isStdio(out)) return 'bin';
  return formatFromFileName(out) ?? 'bin';
}

/** The bytes read at `offset` in `format`; a text format carries the device offsets as its addresses. */
export function renderImage(data: Uint8Array, offset: number, format: FileFormat): Uint8Array {
  return formatImage(data, offset, format);
}

/** "raw binary" / "Intel HEX" / "Motorola S-record", and where: for summaries. */
export function describeOutput(out: string, format: FileFormat): string {
  return `${describePath(out, 'output')} (${describeFormat(format)})`;
}
