/**
 * Which format a file is in: by content first (Intel HEX is text lines starting with ':', S-records
 * text lines starting with 'S' and a digit), the file name's extension only as a hint.
 *
 * The decision, in order:
 * 1. Text whose first non-blank lines are all well-formed records of one format: that format,
 *    whatever the name says.
 * 2. Text that starts like records but has a malformed line early on: the record format, unless the
 *    extension says raw binary, so that a damaged .hex file is refused with the line at fault
 *    instead of being written to a chip as ASCII.
 * 3. Anything else: raw binary, even if named .hex (the parser would refuse it on line 1, and
 *    binary named .hex is a mistake a person makes, not a tool).
 */
import type { ImageFormat } from './image';

const EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  bin: 'bin',
  raw: 'bin',
  img: 'bin',
  rom: 'bin',
  hex: 'ihex',
  ihex: 'ihex',
  ihx: 'ihex',
  eep: 'ihex', // AVR EEPROM images are Intel HEX
  srec: 'srec',
  s19: 'srec',
  s28: 'srec',
  s37: 'srec',
  s1: 'srec',
  s2: 'srec',
  s3: 'srec',
  sx: 'srec',
  mot: 'srec',
  mhx: 'srec',
};

/** The format a file name's extension suggests (".hex" → ihex, ".s19" → srec, ".bin" → bin), if any. */
export function formatFromFileName(fileName: string): ImageFormat | undefined {
  const m = /\.([a-z0-9]+)$/i.exec(fileName);
  return m ? EXTENSIONS[m[1]!.toLowerCase()] : undefined;
}

/** How much of a file the content test looks at. */
const SNIFF_BYTES = 4096;
/** How many leading lines must be well-formed records for rule 1. */
const SNIFF_LINES = 8;

const IHEX_LINE = /^:(?:[0-9A-Fa-f]{2}){5,}$/;
const SREC_LINE = /^[Ss][0-9](?:[0-9A-Fa-f]{2}){3,}$/;

function isText(bytes: Uint8Array): boolean {
  for (const b of bytes) if (!(b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) return false;
  return true;
}

export function detectFormat(bytes: Uint8Array, fileName?: string): ImageFormat {
  const hint = fileName === undefined ? undefined : formatFromFileName(fileName);
  const head = bytes.subarray(0, SNIFF_BYTES);
  if (!isText(head)) return 'bin';
  const lines = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
    .toString('latin1')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  // The window may cut the last line short: judge it only if the window is the whole file.
  const complete = head.length === bytes.length ? lines : lines.slice(0, -1);
  const judged = complete.slice(0, SNIFF_LINES);
  const first = lines[0];
  if (first === undefined) return hint ?? 'bin';
  const candidate: ImageFormat | undefined = first.startsWith(':') ? 'ihex' : /^[Ss][0-9]/.test(first) ? 'srec' : undefined;
  if (candidate === undefined) return 'bin';
  const re = candidate === 'ihex' ? IHEX_LINE : SREC_LINE;
  if (judged.length > 0 && judged.every((l) => re.test(l))) return candidate;
  return hint === 'bin' ? 'bin' : candidate;
}
