/**
 * Reading and writing the user's files (`--in`, `--out`) with errors that say which file and
 * what to do, and `--hex` byte strings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { HilError } from '../index';
import { UsageError } from './errors';

function why(e: unknown): { code: string; text: string } {
  const code = (e as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : 'EIO', text: e instanceof Error ? e.message : String(e) };
}

export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const w = why(e);
    if (w.code === 'ENOENT') throw new UsageError('ENOENT', `${what} ${path} does not exist; check the path`);
    if (w.code === 'EISDIR') throw new UsageError('EINVAL', `${what} ${path} is a directory; give a file`);
    if (w.code === 'EACCES') throw new UsageError('EACCES', `${what} ${path} cannot be read (permission denied); check its mode`);
    throw new HilError('EIO', `cannot read ${what} ${path}: ${w.text}`);
  }
}

export function writeFileOrFail(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    const w = why(e);
    const hint = w.code === 'ENOENT' ? 'its directory does not exist' : w.code === 'EACCES' ? 'permission denied' : w.text;
    throw new HilError(w.code === 'EACCES' ? 'EACCES' : 'EIO', `cannot write ${path}: ${hint}; choose another --out path`);
  }
}

/** "de ad be ef", "deadbeef", "0xdeadbeef", "de:ad:be:ef" → bytes. */
export function parseHexBytes(text: string): Uint8Array {
  const t = text.replace(/^0x/i, '').replace(/[\s:,_-]/g, '');
  if (t.length === 0) throw new UsageError('EINVAL', '--hex is empty; give bytes as hex digits, e.g. --hex "de ad be ef"');
  if (!/^[0-9a-f]*$/i.test(t)) throw new UsageError('EINVAL', `--hex "${text}" holds characters that are not hex digits`);
  if (t.length % 2) throw new UsageError('EINVAL', `--hex "${text}" has an odd number of hex digits; each byte needs two`);
  return new Uint8Array(Buffer.from(t, 'hex'));
}
