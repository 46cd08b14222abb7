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

const HEX = /^[0-9A-Fa-f]*$/;

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x7f ? `'${c}'` : `byte 0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Decodes line.text from index `from` on as hex bytes. `kind` names the record with its article
 * ("an Intel HEX record"). Refuses non-hex characters (with their column) and an odd digit count.
 */
export function decodeHex(source: string, line: Line, from: number, kind: string): Uint8Array {
  const digits = line.text.slice(from);
  if (!HEX.test(digits)) {
    const i = [...digits].findIndex((c) => !/[0-9A-Fa-f]/.test(c));
    const c = digits[i]!;
    throw lineError(
      source,
      line.number,
      `${describeChar(c)} at column ${line.column + from + i} is not a hex digit; ${kind} holds only hex digits after its start code` +
        (c === ' ' || c === '\t' ? ' (no spaces inside a record)' : ''),
    );
  }
  if (digits.length % 2) {
    throw lineError(source, line.number, `odd number of hex digits (${digits.length}); every byte of ${kind} takes two, so a digit is missing or extra`);
  }
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** The advice appended to every corruption error. */
export const DAMAGED = 'the file is damaged: restore it from a good copy or regenerate it';
