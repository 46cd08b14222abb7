/**
 * Test helpers for hand-built records: an Intel HEX or S-record line from its fields, with the
 * checksum computed here (independently of src/formats), and text → bytes; and the reader of
 * src/formats as the format tests call it.
 */
import { type ImageFormat, ImageFormatError, parseImage, type SparseImage } from '../../src/formats';

export const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** `:LLAAAATT<data>CC` */
export function ihexLine(type: number, offset: number, data: readonly number[]): string {
  const body = [data.length, offset >> 8, offset & 0xff, type, ...data];
  const sum = body.reduce((a, b) => a + b, 0);
  return `:${body.map(hex2).join('')}${hex2((0x100 - (sum & 0xff)) & 0xff)}`;
}

/** `S<t>LL<address><data>CC` with the address width of type `t`. */
export function srecLine(type: number, address: number, data: readonly number[]): string {
  const width = [2, 2, 3, 4, 2, 2, 3, 4, 3, 2][type]!;
  const addr: number[] = [];
  for (let i = width - 1; i >= 0; i--) addr.push(Math.floor(address / 256 ** i) % 256);
  const body = [width + data.length + 1, ...addr, ...data];
  const sum = body.reduce((a, b) => a + b, 0);
  return `S${type}${body.map(hex2).join('')}${hex2(~sum & 0xff)}`;
}

export const IHEX_EOF = ':00000001FF';
export const SREC_END = 'S9030000FC';

export interface Reader {
  /** `text` read as the format, from a file named `source`. */
  parse(text: string): SparseImage;
  /** The segments of an image as [address, bytes] pairs. */
  segs(img: SparseImage): [number, number[]][];
  /** The ImageFormatError reading `text` throws (an Error if it reads without one). */
  fail(text: string): ImageFormatError;
}

export function reader(format: ImageFormat, source: string): Reader {
  const parse = (text: string): SparseImage => parseImage(bytesOf(text), format, { source });
  return {
    parse,
    segs: (img) => img.segments.map((s) => [s.address, [...s.data]]),
    fail: (text) => {
      try {
        parse(text);
      } catch (e) {
        if (e instanceof ImageFormatError) return e;
        throw e;
      }
      throw new Error('parsed without error');
    },
  };
}
