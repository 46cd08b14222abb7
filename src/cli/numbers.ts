/**
 * Offsets, lengths and byte values as a person types them: decimal, `0x` hex, and binary-unit
 * suffixes (`k`, `KiB` = 1024; `M`, `MiB` = 1048576). Ranges are checked against the device by
 * the library, once, before any bus traffic.
 */
import { UsageError } from './errors';

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, kib: 1024, m: 1024 * 1024, mib: 1024 * 1024 };

/** Parses a non-negative integer quantity; `what` names it in the error ("offset", "--length"). */
export function parseQuantity(text: string, what: string): number {
  const t = text.trim();
  if (/^-/.test(t)) throw new UsageError('EINVAL', `${what} "${text}" is negative; offsets and lengths count up from 0`);
  const m = /^(0x[0-9a-f]+|[0-9]+)\s*([a-z]*)$/i.exec(t);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError('EINVAL', `${what} "${text}" is not a number; write it as decimal (4096), hex (0x1000) or with a unit (4k, 4KiB, 1M)`);
  }
  const n = Number(m[1]!.toLowerCase().startsWith('0x') ? BigInt(m[1]!) : m[1]!) * unit;
  if (!Number.isSafeInteger(n)) throw new UsageError('EINVAL', `${what} "${text}" is too large`);
  return n;
}

/** Parses a byte value 0..255 (decimal or 0x hex), e.g. an erase fill. */
export function parseByte(text: string, what: string): number {
  const t = text.trim();
  const n = /^(0x[0-9a-f]{1,2}|[0-9]{1,3})$/i.test(t) ? Number(t) : NaN;
  if (!(n >= 0 && n <= 255)) throw new UsageError('EINVAL', `${what} "${text}" is not a byte; give 0..255 or 0x00..0xff`);
  return n;
}

export { describeSize } from '../index';

export function hex(n: number, width = 0): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/**
 * An offset or length given either as a positional argument (`erase eeprom0 0x100 64`) or, as
 * older scripts do, as an option (`--offset 0x100`): both spellings mean the same; giving both is
 * refused. Undefined when neither is given.
 */
export function argOrOption(positional: string | undefined, option: string | undefined, what: 'offset' | 'length'): number | undefined {
  if (positional !== undefined && option !== undefined) {
    throw new UsageError('EINVAL', `${what} given twice (as an argument and as --${what}); give it once`);
  }
  const text = positional ?? option;
  return text === undefined ? undefined : parseQuantity(text, positional !== undefined ? what : `--${what}`);
}
