/**
 * Backing memory for device models: plain bytes, or a file image so that successive runs of the
 * mock board see the same EEPROM (`--image NAME=FILE`): its contents and its non-volatile
 * registers (the AT25 status register's BP1, BP0 and WPEN).
 *
 * The image file stays a plain dump of the array (other tools read it as is). Registers live in
 * a small JSON sidecar, `FILE.state`, written only when they change.
 *
 * Crash safety, so that a process killed at any instant (SIGKILL, a crash) leaves a usable chip:
 * - A model calls `commit(offset, length)` once per completed write cycle, with the bytes of one
 *   page; a `FileImage` writes them with a single positional write. Linux copies a write into the
 *   page cache in 4 KiB pieces and checks for a fatal signal only between pieces; an EEPROM page
 *   (at most 256 bytes, page-aligned) never spans two, so each page in the file is old or new,
 *   never torn (`scripts/reliability.ts kill` checks this by killing the CLI mid-write).
 * - A new image (a missing or empty file) is written erased to a temporary file in the same
 *   directory and moved into place, so a kill during creation leaves no file or a whole one,
 *   never a short one (which the next run would refuse for its size).
 * - The sidecar is replaced the same way (temporary file, then rename): old state or new.
 * A missing image is created erased (0xff) and any stale sidecar beside it removed; a file of
 * the wrong size is refused with EINVAL naming both sizes, never truncated or extended.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type ErrnoCode, HilError, toHilError } from '../../abi/errno';

/**
 * An image file (or its sidecar) that cannot back a part: wrong size, not a file, a directory
 * that does not exist, no permission, a malformed sidecar. The user's `--image` is wrong; nothing
 * was touched. The board fails to boot with it rather than leaving the part unavailable.
 */
export class ImageError extends HilError {
  constructor(code: ErrnoCode, message: string) {
    super(code, message);
    this.name = 'ImageError';
  }
}

/** Registers of a part that survive a power cycle (what a `FileImage` keeps in its sidecar). */
export interface ChipRegisters {
  /** AT25 status register, non-volatile bits only (BP0, BP1, WPEN). */
  readonly status?: number | undefined;
}

export interface MemoryStore {
  readonly bytes: Uint8Array;
  /** The model changed [offset, offset + length) of `bytes` (one page: a completed write cycle). */
  commit(offset: number, length: number): void;
  /** Registers saved by an earlier run, if the store keeps them. */
  readonly savedRegisters?: ChipRegisters | undefined;
  /** The part's non-volatile registers changed (a completed status-register write). */
  saveRegisters?(r: ChipRegisters): void;
}

/** Memory that lives only in this process. */
export class RamStore implements MemoryStore {
  readonly bytes: Uint8Array;
  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes).fill(0xff) : sizeOrBytes;
  }
  commit(): void {
    /* nothing to persist */
  }
}

export interface FileImageOptions {
  /** Write each committed range to the file at once (default true); otherwise call flush(). */
  readonly writeThrough?: boolean;
}

/** Identifies the sidecar format, so a foreign `.state` file is refused instead of misread. */
const STATE_FORMAT = 'hilbridge-image-state';
const STATE_VERSION = 1;

/** The sidecar that holds a part's registers next to its image. */
export function stateFileOf(imagePath: string): string {
  return `${imagePath}.state`;
}

let tmpSeq = 0;
/** A temporary name in the same directory (rename is atomic only within one file system). */
function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}-${++tmpSeq}`);
}

/** Writes `data` to `path` so that readers (and a later run after a crash) see the old file or the new one, whole. */
function replaceAtomically(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = tempNameFor(path);
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function readState(path: string): ChipRegisters | undefined {
  const file = stateFileOf(path);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new ImageError('EIO', `image state ${file} cannot be read: ${toHilError(e).message}`);
  }
  const bad = (why: string): never => {
    throw new ImageError('EINVAL', `image state ${file} ${why}; delete it to forget the saved registers (the image itself is kept)`);
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    bad('is not JSON');
  }
  const o = v as { format?: unknown; version?: unknown; status?: unknown };
  if (typeof v !== 'object' || v === null || o.format !== STATE_FORMAT) bad(`is not a hilbridge image state (no "format": "${STATE_FORMAT}")`);
  if (o.version !== STATE_VERSION) bad(`has version ${String(o.version)}; this hilbridge reads version ${STATE_VERSION}`);
  if (o.status !== undefined && !(Number.isInteger(o.status) && (o.status as number) >= 0 && (o.status as number) <= 0xff)) {
    bad(`holds status ${JSON.stringify(o.status)}, not a byte`);
  }
  return { status: o.status as number | undefined };
}

export class FileImage implements MemoryStore {
  readonly bytes: Uint8Array;
  /** Changes not yet written to the file (only without write-through). */
  dirty = false;
  private fd: number | undefined;
  private readonly writeThrough: boolean;
  #registers: ChipRegisters | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    bytes: Uint8Array,
    registers: ChipRegisters | undefined,
    opts: FileImageOptions,
  ) {
    this.fd = fd;
    this.bytes = bytes;
    this.#registers = registers;
    this.writeThrough = opts.writeThrough ?? true;
  }

  /**
   * Opens `path` as an image of exactly `size` bytes, creating it erased (0xff) if it is missing
   * or empty; loads the registers saved beside it.
   */
  static open(path: string, size: number, opts: FileImageOptions = {}): FileImage {
    if (!Number.isSafeInteger(size) || size <= 0) throw new ImageError('EINVAL', `image ${path}: size ${size} must be a positive integer`);
    let fd = FileImage.openExisting(path);
    if (fd === undefined) {
      FileImage.create(path, size);
      fd = FileImage.openExisting(path);
      if (fd === undefined) throw new HilError('EIO', `image ${path} vanished right after it was created`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new ImageError('EINVAL', `image ${path} is not a regular file`);
      if (st.size === 0) {
        // An empty file (e.g. made by `touch`) is a new chip: fill it the same crash-safe way.
        fs.closeSync(fd);
        fd = undefined;
        FileImage.create(path, size);
        return FileImage.open(path, size, opts);
      }
      if (st.size !== size) {
        throw new ImageError(
          'EINVAL',
          `image ${path} is ${st.size} bytes but the part holds ${size}; use an image of the right size or a new file name`,
        );
      }
      const bytes = new Uint8Array(size);
      let got = 0;
      while (got < size) {
        const n = fs.readSync(fd, bytes, got, size - got, got);
        if (n === 0) throw new HilError('EIO', `image ${path}: short read at ${got} of ${size} bytes`);
        got += n;
      }
      return new FileImage(path, fd, bytes, readState(path), opts);
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      throw toHilError(e, 'EIO');
    }
  }

  /** The descriptor of an existing image, or undefined when there is no file. */
  private static openExisting(path: string): number | undefined {
    try {
      return fs.openSync(path, fs.constants.O_RDWR);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new ImageError(code === 'EROFS' ? 'EROFS' : 'EACCES', `image ${path} cannot be opened for reading and writing (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); check its mode or choose another file`);
      }
      if (code === 'EISDIR') throw new ImageError('EINVAL', `image ${path} is a directory, not a file`);
      throw toHilError(e, 'EIO');
    }
  }

  /** Writes a whole erased image into place (temporary file, then rename) and forgets stale registers. */
  private static create(path: string, size: number): void {
    try {
      replaceAtomically(path, new Uint8Array(size).fill(0xff));
      fs.rmSync(stateFileOf(path), { force: true });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new ImageError('ENOENT', `cannot create image ${path}: its directory ${dirname(path)} does not exist`);
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new ImageError(code === 'EROFS' ? 'EROFS' : 'EACCES', `cannot create image ${path}: no permission to write in ${dirname(path)}`);
      throw toHilError(e, 'EIO');
    }
  }

  get savedRegisters(): ChipRegisters | undefined {
    return this.#registers;
  }

  /** Replaces the sidecar with the registers (old file or new one after a crash, never half of one). */
  saveRegisters(r: ChipRegisters): void {
    this.#registers = { ...this.#registers, ...r };
    const body = { format: STATE_FORMAT, version: STATE_VERSION, ...this.#registers };
    replaceAtomically(stateFileOf(this.path), `${JSON.stringify(body)}\n`);
  }

  commit(offset: number, length: number): void {
    if (this.writeThrough && this.fd !== undefined) {
      // One positional write per page: see the module comment for why it is never torn.
      const n = fs.writeSync(this.fd, this.bytes, offset, length, offset);
      if (n !== length) throw new HilError('EIO', `image ${this.path}: wrote ${n} of ${length} bytes at ${offset} (disk full?)`);
    } else {
      this.dirty = true;
    }
  }

  /** Writes the whole image to the file if anything changed since the last flush. */
  flush(): void {
    if (this.fd === undefined) throw new HilError('EBADF', `image ${this.path} is closed`);
    if (!this.dirty) return;
    fs.writeSync(this.fd, this.bytes, 0, this.bytes.length, 0);
    fs.fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.dirty) this.flush();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
