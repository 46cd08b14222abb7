/**
 * C integer expressions as dtc evaluates them inside `< >` cells and `/memreserve/`.
 *
 * Arithmetic is unsigned 64-bit (dtc uses uint64_t), all of C's operators are supported
 * (ternary, logical, bitwise, comparison, shifts, + - * / %, unary - ~ !), literals are decimal,
 * hex or octal with optional U/L suffixes, and character literals take C escapes. Shifts by 64 or
 * more give 0 and division by zero is an error, as in dtc. The preprocessor's `#if` reuses this.
 */
import type { Scanner } from './scanner';

const MASK64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & MASK64;
const bool = (b: boolean): bigint => (b ? 1n : 0n);

/** Decodes one C escape after the backslash at `s[i]`; returns the byte and the next index. */
export function decodeEscape(s: string, i: number): { value: number; next: number } {
  const c = s.charAt(i);
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '\\': 92, '"': 34, "'": 39 };
  if (c in simple) return { value: simple[c]!, next: i + 1 };
  if (c === 'x') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
    if (m) return { value: parseInt(m[0], 16), next: i + 1 + m[0].length };
    return { value: 'x'.charCodeAt(0), next: i + 1 };
  }
  const o = /^[0-7]{1,3}/.exec(s.slice(i));
  if (o) return { value: parseInt(o[0], 8) & 0xff, next: i + o[0].length };
  return { value: s.charCodeAt(i) & 0xff, next: i + 1 };
}

/** Reads an integer literal at the cursor (dtc's DT_LITERAL), or returns undefined. */
export function readLiteral(sc: Scanner): bigint | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)([uU]?[lL]{0,2}|[lL]{1,2}[uU]?)(?![A-Za-z0-9_])/.exec(sc.text.slice(sc.pos, sc.pos + 64));
  if (!m) return undefined;
  const start = sc.pos;
  const digits = m[1]!;
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) {
    if (/[89]/.test(digits)) throw sc.error(`invalid octal literal "${digits}"`, start);
    v = BigInt(`0o${digits.slice(1)}`);
  } else v = BigInt(digits);
  if (v > MASK64) throw sc.error(`integer literal "${digits}" does not fit in 64 bits`, start);
  sc.pos += m[0].length;
  return v;
}

/** Reads a character literal ('a', '\n', '\x41', '\101') at the cursor, or returns undefined. */
export function readCharLiteral(sc: Scanner): bigint | undefined {
  if (sc.peek() !== "'") return undefined;
  const start = sc.pos;
  const end = sc.text.indexOf("'", sc.pos + (sc.peek(1) === '\\' ? 3 : 2));
  const lineEnd = sc.text.indexOf('\n', sc.pos);
  if (end < 0 || (lineEnd >= 0 && end > lineEnd)) throw sc.error('unterminated character literal', start);
  const body = sc.text.slice(start + 1, end);
  let value: number;
  let next: number;
  if (body.startsWith('\\')) ({ value, next } = decodeEscape(body, 1));
  else {
    value = body.charCodeAt(0) & 0xff;
    next = 1;
  }
  if (body.length === 0 || next !== body.length) throw sc.error(`character literal '${body}' must hold exactly one character`, start);
  sc.pos = end + 1;
  return BigInt(value);
}

type Binary = (a: bigint, b: bigint) => bigint;

/** Binary operator levels, lowest precedence first (ternary is handled above these). */
const LEVELS: [string, Binary][][] = [
  [['||', (a, b) => bool(a !== 0n || b !== 0n)]],
  [['&&', (a, b) => bool(a !== 0n && b !== 0n)]],
  [['|', (a, b) => a | b]],
  [['^', (a, b) => a ^ b]],
  [['&', (a, b) => a & b]],
  [['==', (a, b) => bool(a === b)], ['!=', (a, b) => bool(a !== b)]],
  [['<=', (a, b) => bool(a <= b)], ['>=', (a, b) => bool(a >= b)], ['<', (a, b) => bool(a < b)], ['>', (a, b) => bool(a > b)]],
  [['<<', (a, b) => (b < 64n ? u64(a << b) : 0n)], ['>>', (a, b) => (b < 64n ? a >> b : 0n)]],
  [['+', (a, b) => u64(a + b)], ['-', (a, b) => u64(a - b)]],
  [['*', (a, b) => u64(a * b)], ['/', (a, b) => a / b], ['%', (a, b) => a % b]],
];

/**
 * Evaluates a C expression. `primary` reads an operand that is not an operator or a parenthesis
 * (dtc: integer and character literals; #if: also identifiers, already expanded).
 */
export function parseExpr(sc: Scanner, primary: (sc: Scanner) => bigint | undefined = (s) => readLiteral(s) ?? readCharLiteral(s)): bigint {
  const ternary = (): bigint => {
    const cond = binary(0);
    sc.skipWs();
    if (sc.peek() !== '?') return cond;
    sc.pos++;
    const a = ternary();
    sc.skipWs();
    if (sc.peek() !== ':') throw sc.error(`expected ':' in conditional expression, found ${sc.describe()}`);
    sc.pos++;
    const b = ternary();
    return cond !== 0n ? a : b;
  };

  const matchOp = (ops: [string, Binary][]): [string, Binary] | undefined => {
    sc.skipWs();
    for (const op of ops) {
      if (!sc.startsWith(op[0])) continue;
      const after = sc.peek(op[0].length);
      // Do not take '|' from '||', '<' from '<<' or '<=', '&' from '&&', etc.
      if (op[0].length === 1 && ((op[0] === after && '|&<>'.includes(after)) || (after === '=' && '<>'.includes(op[0])))) continue;
      return op;
    }
    return undefined;
  };

  const binary = (level: number): bigint => {
    if (level >= LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const opPos = sc.pos;
      const op = matchOp(LEVELS[level]!);
      if (!op) {
        sc.pos = opPos;
        return left;
      }
      const at = sc.pos;
      sc.pos += op[0].length;
      const right = binary(level + 1);
      if ((op[0] === '/' || op[0] === '%') && right === 0n) throw sc.error('division by zero', at);
      left = op[1](left, right);
    }
  };

  const unary = (): bigint => {
    sc.skipWs();
    const c = sc.peek();
    if (c === '-' || c === '~' || c === '!') {
      sc.pos++;
      const v = unary();
      return c === '-' ? u64(-v) : c === '~' ? u64(~v) : bool(v === 0n);
    }
    if (c === '(') {
      sc.pos++;
      const v = ternary();
      sc.skipWs();
      if (sc.peek() !== ')') throw sc.error(`expected ')' to close the expression, found ${sc.describe()}`);
      sc.pos++;
      return v;
    }
    const v = primary(sc);
    if (v === undefined) throw sc.error(`expected an integer, a character literal or '(', found ${sc.describe()}`);
    return v;
  };

  return ternary();
}
