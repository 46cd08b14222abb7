/**
 * What the two text formats (Intel HEX, Motorola S-record) share: cutting a file into numbered
 * lines, decoding a record's hex digits into bytes with an error that points at the line and
 * column, and the error messages themselves.
 */
import { ImageFormatError } from './image';

/** One non-blank line: its 1-based number, its text without surrounding white space, and where that text starts. */
export interface Line {
  readonly number: number;
  readonly text: string;
  /** 1-based column of text[0] in the original line */
  readonly column: number;
}

/**
 * The file's non-blank lines. Bytes are read as Latin-1 so that a stray binary byte shows up as a
 * character in the error rather than as a decoding failure; LF, CRLF and CR all end a line.
 */
export function textLines(bytes: Uint8Array): Line[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const out: Line[] = [];
  let number = 0;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    number++;
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t.length > 0) out.push({ number, text: t, column: lead + 1 });
  }
  return out;
}

/** "<source> line N: <what>" */
export function lineError(source: string, line: number, what: string): ImageFormatError {
  return new ImageFormatError('EINVAL', `${source} line ${line}: ${what}`, line);
}

/** Value of each ASCII hex digit, -1 for every other character. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x7f ? `'${c}'` : `byte 0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Decodes line.text from index `from` on as hex bytes. `kind` names the record with its article
 * ("an Intel HEX record"). Refuses non-hex characters (with their column) and an odd digit count.
 * (A table lookup rather than a regular expression and Buffer.from: a 1 MiB image is 65,536 lines.)
 */
export function decodeHex(source: string, line: Line, from: number, kind: string): Uint8Array {
  const text = line.text;
  const digits = text.length - from;
  const out = new Uint8Array(digits >> 1);
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? NIBBLE[code]! : -1;
    if (v < 0) {
      const c = text[i]!;
      throw lineError(
        source,
        line.number,
        `${describeChar(c)} at column ${line.column + i} is not a hex digit; ${kind} holds only hex digits after its start code` +
          (c === ' ' || c === '\t' ? ' (no spaces inside a record)' : ''),
      );
    }
    const j = i - from;
    if (j & 1) out[j >> 1] = out[j >> 1]! | v;
    else out[j >> 1] = v << 4; // past the end (an odd last digit) a typed array ignores the write
  }
  if (digits % 2) {
    throw lineError(source, line.number, `odd number of hex digits (${digits}); every byte of ${kind} takes two, so a digit is missing or extra`);
  }
  return out;
}

/** The advice appended to every corruption error. */
export const DAMAGED = 'the file is damaged: restore it from a good copy or regenerate it';
