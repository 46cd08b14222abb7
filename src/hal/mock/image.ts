/**
 * Backing memory for device models: plain bytes, or a file image so that successive runs of the
 * mock board see the same EEPROM contents (`--image NAME=FILE`).
 *
 * A model calls `commit(offset, length)` after each completed write cycle; a `FileImage` writes
 * that range through to the file at once (or, with `writeThrough: false`, marks itself dirty
 * until `flush()`). A missing file is created erased (0xff); a file of the wrong size is refused
 * with EINVAL naming both sizes, never truncated or extended.
 */
import * as fs from 'node:fs';
import { HilError, toHilError } from '../../abi/errno';

export interface MemoryStore {
  readonly bytes: Uint8Array;
  /** The model changed [offset, offset + length) of `bytes`. */
  commit(offset: number, length: number): void;
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

export class FileImage implements MemoryStore {
  readonly bytes: Uint8Array;
  /** Changes not yet written to the file (only without write-through). */
  dirty = false;
  private fd: number | undefined;
  private readonly writeThrough: boolean;

  private constructor(
    readonly path: string,
    fd: number,
    bytes: Uint8Array,
    opts: FileImageOptions,
  ) {
    this.fd = fd;
    this.bytes = bytes;
    this.writeThrough = opts.writeThrough ?? true;
  }

  /** Opens `path` as an image of exactly `size` bytes, creating it erased (0xff) if missing. */
  static open(path: string, size: number, opts: FileImageOptions = {}): FileImage {
    if (!Number.isSafeInteger(size) || size <= 0) throw new HilError('EINVAL', `image ${path}: size ${size} must be a positive integer`);
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    } catch (e) {
      throw toHilError(e, 'EIO');
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new HilError('EINVAL', `image ${path} is not a regular file`);
      const bytes = new Uint8Array(size);
      if (st.size === 0) {
        bytes.fill(0xff);
        fs.writeSync(fd, bytes, 0, size, 0);
      } else if (st.size !== size) {
        throw new HilError(
          'EINVAL',
          `image ${path} is ${st.size} bytes but the part holds ${size}; use an image of the right size or a new file name`,
        );
      } else {
        let got = 0;
        while (got < size) {
          const n = fs.readSync(fd, bytes, got, size - got, got);
          if (n === 0) throw new HilError('EIO', `image ${path}: short read at ${got} of ${size} bytes`);
          got += n;
        }
      }
      return new FileImage(path, fd, bytes, opts);
    } catch (e) {
      fs.closeSync(fd);
      throw toHilError(e, 'EIO');
    }
  }

  commit(offset: number, length: number): void {
    if (this.writeThrough && this.fd !== undefined) {
      fs.writeSync(this.fd, this.bytes, offset, length, offset);
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
