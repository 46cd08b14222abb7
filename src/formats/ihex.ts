/**
 * Intel HEX (the "Hexadecimal Object File Format"): reading a file into pieces for the sparse
 * image, and writing an image as 16- or 32-byte data records.
 *
 * Hand-written, after trying the npm packages made for it:
 * - nrf-intel-hex 1.4.0 (the most used; zero dependencies, typings) computes the upper address as
 *   `ulba << 16`, which goes negative from 0x8000 up, so any data at or above 2 GiB is refused as
 *   "negative"; its writer refuses data whose last byte is at 0xffffffff; its errors count records,
 *   not lines, and a blank line or trailing space fails the whole file; overlapping records are
 *   refused even when they agree; no release since 2019.
 * - intel-hex 0.2.0 returns one dense buffer padded with 0xff (the gaps of a sparse file are lost,
 *   which a restore must not write), overwrites overlapping data silently and has no typings.
 * The format itself is a few dozen lines, so owning it costs less than wrapping either.
 *
 * Reading follows the specification: type 00 data, 01 end of file, 02 extended segment address
 * (data addresses wrap inside the 64 KiB segment), 03 start segment address, 04 extended linear
 * address, 05 start linear address (03 and 05 are CPU entry points, meaningless for an EEPROM, and
 * ignored). Every record's length and checksum are checked; white space around a line and blank
 * lines are allowed; anything but blank lines after the end-of-file record is refused, and so is a
 * file without one (it was probably cut short).
 */
import { ADDRESS_LIMIT, hexAddress, hexByte, ImageFormatError, type ImageSegment, type Piece } from './image';
import { DAMAGED, decodeHex, type Line, lineError, textLines } from './records';

const KIND = 'an Intel HEX record';

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'data',
  0x01: 'end-of-file',
  0x02: 'extended segment address',
  0x03: 'start segment address',
  0x04: 'extended linear address',
  0x05: 'start linear address',
};

/** The data length each non-data record type must have. */
const FIXED_LENGTH: Readonly<Record<number, number>> = { 0x01: 0, 0x02: 2, 0x03: 4, 0x04: 2, 0x05: 4 };

function checksumOf(bytes: Uint8Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += bytes[i]!;
  return -sum & 0xff;
}

interface IhexRecord {
  readonly type: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

function parseRecord(source: string, line: Line): IhexRecord {
  if (line.text[0] !== ':') {
    throw lineError(source, line.number, `does not start with ':' (it starts with "${line.text.slice(0, 8)}"); every Intel HEX record does, so this is not an Intel HEX line`);
  }
  const bytes = decodeHex(source, line, 1, KIND);
  if (bytes.length < 5) {
    throw lineError(source, line.number, `is too short for a record: ${bytes.length} bytes, but count, address, type and checksum alone take 5; ${DAMAGED}`);
  }
  const count = bytes[0]!;
  if (bytes.length !== count + 5) {
    throw lineError(source, line.number, `the record says it holds ${count} data bytes but it holds ${bytes.length - 5}; ${DAMAGED}`);
  }
  const want = checksumOf(bytes, bytes.length - 1);
  const got = bytes[bytes.length - 1]!;
  if (want !== got) {
    throw lineError(source, line.number, `checksum is ${hexByte(got)} but the record's bytes need ${hexByte(want)}; ${DAMAGED}`);
  }
  const type = bytes[3]!;
  const name = TYPE_NAMES[type];
  if (name === undefined) {
    throw lineError(source, line.number, `unknown record type ${hexByte(type)}; Intel HEX has types 00 to 05 (this may be a vendor extension hilbridge does not read)`);
  }
  const fixed = FIXED_LENGTH[type];
  if (fixed !== undefined && count !== fixed) {
    throw lineError(source, line.number, `an ${name} record (type ${hexByte(type)}) holds ${fixed} data bytes, this one ${count}; ${DAMAGED}`);
  }
  return { type, offset: (bytes[1]! << 8) | bytes[2]!, data: bytes.subarray(4, 4 + count) };
}

/** The data records of an Intel HEX file as pieces at absolute addresses. */
export function parseIntelHexPieces(bytes: Uint8Array, source: string): Piece[] {
  const pieces: Piece[] = [];
  // The base set by the last 02 or 04 record; segment mode wraps addresses inside 64 KiB.
  let base = 0;
  let segmentMode = false;
  let endLine = 0;
  for (const line of textLines(bytes)) {
    if (endLine) {
      throw lineError(source, line.number, `holds "${line.text.slice(0, 16)}" after the end-of-file record on line ${endLine}; remove what follows it, or the file is two files joined`);
    }
    const r = parseRecord(source, line);
    switch (r.type) {
      case 0x00: {
        const { data, offset } = r;
        if (segmentMode && offset + data.length > 0x10000) {
          // The specification: (segment base + ((offset + i) mod 64 KiB)).
          const split = 0x10000 - offset;
          pieces.push({ address: base + offset, data: data.subarray(0, split), line: line.number });
          pieces.push({ address: base, data: data.subarray(split), line: line.number });
          break;
        }
        const address = base + offset;
        if (address + data.length > ADDRESS_LIMIT) {
          throw lineError(source, line.number, `${data.length} bytes at ${hexAddress(address)} reach past 4 GiB (0xffffffff is the highest address); ${DAMAGED}`);
        }
        pieces.push({ address, data, line: line.number });
        break;
      }
      case 0x01:
        endLine = line.number;
        break;
      case 0x02:
        base = ((r.data[0]! << 8) | r.data[1]!) * 16;
        segmentMode = true;
        break;
      case 0x04:
        base = ((r.data[0]! << 8) | r.data[1]!) * 0x10000;
        segmentMode = false;
        break;
      default: // 0x03, 0x05: entry points
        break;
    }
  }
  if (!endLine) {
    throw new ImageFormatError(
      'EINVAL',
      `${source} ends without an end-of-file record (:00000001FF), so it may have been cut short; ` +
        'restore it from a good copy, or add that line if you wrote the file by hand',
    );
  }
  return pieces;
}

function record(type: number, offset: number, data: Uint8Array): string {
  const bytes = new Uint8Array(data.length + 5);
  bytes[0] = data.length;
  bytes[1] = offset >> 8;
  bytes[2] = offset & 0xff;
  bytes[3] = type;
  bytes.set(data, 4);
  bytes[bytes.length - 1] = checksumOf(bytes, bytes.length - 1);
  return `:${Buffer.from(bytes).toString('hex').toUpperCase()}\n`;
}

/**
 * Intel HEX text for the segments (sorted, not overlapping, ending by 4 GiB): data records of at
 * most `recordSize` bytes, aligned to multiples of it and never crossing a 64 KiB boundary, an
 * extended linear address record (04) wherever the upper 16 address bits change (none below
 * 64 KiB), and the end-of-file record.
 */
export function formatIntelHex(segments: readonly ImageSegment[], recordSize: number): string {
  const out: string[] = [];
  let upper = 0;
  for (const s of segments) {
    for (let i = 0; i < s.data.length; ) {
      const address = s.address + i;
      const high = Math.floor(address / 0x10000);
      const low = address % 0x10000;
      if (high !== upper) {
        out.push(record(0x04, 0, Uint8Array.of(high >> 8, high & 0xff)));
        upper = high;
      }
      const n = Math.min(recordSize - (address % recordSize), s.data.length - i, 0x10000 - low);
      out.push(record(0x00, low, s.data.subarray(i, i + n)));
      i += n;
    }
  }
  out.push(':00000001FF\n');
  return out.join('');
}
