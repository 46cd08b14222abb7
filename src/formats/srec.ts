/**
 * Motorola S-records (S19/S28/S37): reading a file into pieces for the sparse image, and writing
 * an image with the smallest address width its highest address allows.
 *
 * Hand-written: the npm registry has no maintained S-record package. node-srec (CoffeeScript
 * output, writes S3 records only, pulls in `request` to fetch files over HTTP) is no longer
 * installable from the registry; the small parsers found in public code either skip the checksum
 * test (an operator-precedence slip makes it always pass) or handle S3 only. The format is small,
 * and owning it lets every error name its line.
 *
 * Reading: S0 header (ignored), S1/S2/S3 data with 16/24/32-bit addresses, S5/S6 record counts
 * (checked against the data records before them, which catches lost lines), S7/S8/S9 termination
 * (start address ignored: an EEPROM has no entry point). S4 is reserved and refused. Every
 * record's byte count and checksum are checked; anything but blank lines after the termination
 * record is refused, and so is a file without one (it was probably cut short).
 *
 * Writing: S0 header, data records as S1 (highest address up to 0xffff), S2 (up to 0xffffff) or
 * S3, aligned to multiples of the record size, an S5 (or S6) count while the count fits, and the
 * matching termination record S9, S8 or S7 with start address 0.
 */
import { ADDRESS_LIMIT, hexAddress, hexByte, ImageFormatError, type ImageSegment, type Piece } from './image';
import { DAMAGED, decodeHex, type Line, lineError, textLines } from './records';

const KIND = 'an S-record';

/** Address bytes of each record type (S4 is reserved). */
const ADDRESS_BYTES: readonly (number | undefined)[] = [2, 2, 3, 4, undefined, 2, 3, 4, 3, 2];

function checksumOf(bytes: Uint8Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += bytes[i]!;
  return ~sum & 0xff;
}

function readAddress(bytes: Uint8Array, n: number): number {
  let a = 0;
  for (let i = 1; i <= n; i++) a = a * 256 + bytes[i]!;
  return a;
}

interface SRecord {
  readonly type: number;
  readonly address: number;
  readonly data: Uint8Array;
}

function parseRecord(source: string, line: Line): SRecord {
  const start = line.text[0];
  if (start !== 'S' && start !== 's') {
    throw lineError(source, line.number, `does not start with 'S' (it starts with "${line.text.slice(0, 8)}"); every S-record does, so this is not an S-record line`);
  }
  const typeChar = line.text[1] ?? '';
  const type = /^[0-9]$/.test(typeChar) ? Number(typeChar) : -1;
  const addressBytes = ADDRESS_BYTES[type];
  if (addressBytes === undefined) {
    const shown = typeChar ? `S${typeChar}` : 'a lone S';
    throw lineError(
      source,
      line.number,
      `unknown record type ${shown}; S-records are S0 (header), S1-S3 (data), S5-S6 (count) and S7-S9 (end)` + (type === 4 ? ' — S4 is reserved' : ''),
    );
  }
  const bytes = decodeHex(source, line, 2, KIND);
  if (bytes.length === 0) throw lineError(source, line.number, `S${type} record has no byte count; ${DAMAGED}`);
  const count = bytes[0]!;
  if (bytes.length !== count + 1) {
    throw lineError(source, line.number, `the record says ${count} bytes follow its count but ${bytes.length - 1} do; ${DAMAGED}`);
  }
  if (count < addressBytes + 1) {
    throw lineError(source, line.number, `S${type} record is too short: ${count} bytes after the count, but its address and checksum alone take ${addressBytes + 1}; ${DAMAGED}`);
  }
  const want = checksumOf(bytes, bytes.length - 1);
  const got = bytes[bytes.length - 1]!;
  if (want !== got) {
    throw lineError(source, line.number, `checksum is ${hexByte(got)} but the record's bytes need ${hexByte(want)}; ${DAMAGED}`);
  }
  return { type, address: readAddress(bytes, addressBytes), data: bytes.subarray(1 + addressBytes, bytes.length - 1) };
}

/** The data records of an S-record file as pieces at their addresses. */
export function parseSRecordPieces(bytes: Uint8Array, source: string): Piece[] {
  const pieces: Piece[] = [];
  let dataRecords = 0;
  let endLine = 0;
  for (const line of textLines(bytes)) {
    if (endLine) {
      throw lineError(source, line.number, `holds "${line.text.slice(0, 16)}" after the termination record on line ${endLine}; remove what follows it, or the file is two files joined`);
    }
    const r = parseRecord(source, line);
    switch (r.type) {
      case 1:
      case 2:
      case 3:
        if (r.address + r.data.length > ADDRESS_LIMIT) {
          throw lineError(source, line.number, `${r.data.length} bytes at ${hexAddress(r.address)} reach past 4 GiB (0xffffffff is the highest address); ${DAMAGED}`);
        }
        dataRecords++;
        pieces.push({ address: r.address, data: r.data, line: line.number });
        break;
      case 5:
      case 6:
        if (r.address !== dataRecords) {
          throw lineError(
            source,
            line.number,
            `the S${r.type} count record says ${r.address} data records come before it, but ${dataRecords} do: records were lost or added; ${DAMAGED}`,
          );
        }
        break;
      case 7:
      case 8:
      case 9:
        endLine = line.number;
        break;
      default: // S0 header
        break;
    }
  }
  if (!endLine) {
    throw new ImageFormatError(
      'EINVAL',
      `${source} ends without a termination record (S7, S8 or S9), so it may have been cut short; ` +
        'restore it from a good copy, or add one (S9030000FC) if you wrote the file by hand',
    );
  }
  return pieces;
}

function record(type: number, address: number, addressBytes: number, data: Uint8Array): string {
  const bytes = new Uint8Array(1 + addressBytes + data.length + 1);
  bytes[0] = bytes.length - 1;
  for (let i = addressBytes, a = address; i >= 1; i--, a = Math.floor(a / 256)) bytes[i] = a % 256;
  bytes.set(data, 1 + addressBytes);
  bytes[bytes.length - 1] = checksumOf(bytes, bytes.length - 1);
  return `S${type}${Buffer.from(bytes).toString('hex').toUpperCase()}\n`;
}

/** The data record type (1, 2, 3) for an image whose highest address is `last`. */
export function sRecordDataType(last: number): 1 | 2 | 3 {
  return last <= 0xffff ? 1 : last <= 0xffffff ? 2 : 3;
}

/** The most data bytes one record of that type can carry (the byte count tops out at 255). */
export function sRecordMaxData(type: 1 | 2 | 3): number {
  return 255 - (type + 1) - 1;
}

/** S-record text for the segments (sorted, not overlapping, ending by 4 GiB). */
export function formatSRecord(segments: readonly ImageSegment[], recordSize: number, header: string): string {
  const lastSeg = segments[segments.length - 1];
  const last = lastSeg ? lastSeg.address + lastSeg.data.length - 1 : 0;
  const type = sRecordDataType(last);
  const addressBytes = type + 1;
  const out: string[] = [record(0, 0, 2, new Uint8Array(Buffer.from(header, 'latin1')))];
  let count = 0;
  for (const s of segments) {
    for (let i = 0; i < s.data.length; ) {
      const address = s.address + i;
      const n = Math.min(recordSize - (address % recordSize), s.data.length - i);
      out.push(record(type, address, addressBytes, s.data.subarray(i, i + n)));
      count++;
      i += n;
    }
  }
  if (count <= 0xffff) out.push(record(5, count, 2, new Uint8Array(0)));
  else if (count <= 0xffffff) out.push(record(6, count, 3, new Uint8Array(0)));
  out.push(record(10 - type, 0, addressBytes, new Uint8Array(0)));
  return out.join('');
}
