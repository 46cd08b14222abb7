/**
 * Reading and writing the user's files (`--in`, `--out`) with errors that say which file and
 * what to do, and `--hex` byte strings.
 *
 * `-` names standard input (for `--in`) or standard output (for `--out`), so an image can come
 * from or go to a pipe: `hilbridge dump eeprom0 --out - | gzip > chip.bin.gz`. Both are read and
 * written synchronously on the file descriptors, byte for byte, so the helpers keep the same
 * synchronous signature for files and pipes, and the whole image is out before the process exits
 * (no stream buffer left to drain). A reader that stops early (`| head -c 10`) is not an error:
 * the write stops quietly and says so in its result. A command whose data goes to standard output
 * must print its own messages to standard error (see isStdio).
 */
import { readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';
import { HilError } from '../index';
import { UsageError } from './errors';

/** The path that means standard input or standard output. */
export const STDIO_PATH = '-';

/** Whether `--in`/`--out` names standard input/output: then human messages belong on standard error. */
export function isStdio(path: string | undefined): boolean {
  return path === STDIO_PATH;
}

/** "standard input" / "standard output" for `-`, else the path: for messages. */
export function describePath(path: string, direction: 'input' | 'output'): string {
  return isStdio(path) ? `standard ${direction}` : path;
}

/** Whether `--out` goes to a terminal (where raw binary would garble the screen). */
export function outputIsTerminal(path: string | undefined): boolean {
  return isStdio(path) && isatty(1);
}

function why(e: unknown): { code: string; text: string } {
  const code = (e as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : 'EIO', text: e instanceof Error ? e.message : String(e) };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Waits a little without returning to the event loop (a non-blocking descriptor said EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Everything on a descriptor until end of file; copes with a descriptor another process made non-blocking. */
function readAll(fd: number): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const { code } = why(e);
      if (code === 'EAGAIN') {
        pause(5);
        continue;
      }
      if (code === 'EOF') break; // Windows pipes
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** The whole file, or all of standard input for `-`. `what` names it in errors ("input file"). */
export function readFileOrFail(path: string, what: string): Uint8Array {
  if (isStdio(path)) {
    if (isatty(0)) {
      throw new UsageError('EINVAL', `${what} is standard input (-), which is a terminal; pipe the data in (e.g. cat chip.bin | hilbridge …) or give a file name`);
    }
    try {
      return readAll(0);
    } catch (e) {
      throw new HilError('EIO', `cannot read ${what} from standard input: ${why(e).text}`);
    }
  }
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

/**
 * Refuses an output path that cannot be written before any device is touched (exit 2): a
 * directory, or a file in a directory that does not exist. (Permissions and a full disk still
 * show when the file is written.)
 */
export function checkOutputPath(path: string, what = '--out'): void {
  if (isStdio(path)) return;
  const kind = (p: string): 'dir' | 'file' | 'none' => {
    try {
      return statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return 'none';
    }
  };
  if (kind(path) === 'dir') throw new UsageError('EINVAL', `${what} ${path} is a directory; give a file name`);
  const dir = dirname(path);
  const parent = kind(dir);
  if (parent === 'none') throw new UsageError('ENOENT', `${what} ${path}: its directory ${dir} does not exist; create it or choose another path`);
  if (parent === 'file') throw new UsageError('EINVAL', `${what} ${path}: ${dir} is a file, not a directory`);
}

/** How a write went: `closedEarly` when standard output's reader went away before the end. */
export interface WriteResult {
  readonly bytes: number;
  readonly closedEarly: boolean;
}

let epipeQuieted = false;

/**
 * After the reader of standard output has gone, later writes through process.stdout (a command's
 * summary) would fail the same way and, unhandled, end the process with a stack trace. They are
 * dropped instead: there is nobody left to read them.
 */
function quietStdoutEpipe(): void {
  if (epipeQuieted) return;
  epipeQuieted = true;
  process.stdout.on('error', (e: unknown) => {
    if (why(e).code !== 'EPIPE') throw e;
  });
}

function writeAll(fd: number, data: Uint8Array): WriteResult {
  let done = 0;
  while (done < data.length) {
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (e) {
      const { code } = why(e);
      if (code === 'EAGAIN') {
        pause(1);
        continue;
      }
      if (code === 'EPIPE') {
        quietStdoutEpipe();
        return { bytes: done, closedEarly: true };
      }
      throw e;
    }
  }
  return { bytes: done, closedEarly: false };
}

/** Writes a file, or standard output for `-` (a reader that closes early is not an error). */
export function writeFileOrFail(path: string, data: string | Uint8Array): WriteResult {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data;
  if (isStdio(path)) {
    try {
      return writeAll(1, bytes);
    } catch (e) {
      throw new HilError('EIO', `cannot write to standard output: ${why(e).text}`);
    }
  }
  try {
    writeFileSync(path, bytes);
    return { bytes: bytes.length, closedEarly: false };
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
