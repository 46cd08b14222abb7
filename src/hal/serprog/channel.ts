/**
 * The byte stream a serprog client talks over, and a receive queue with timed reads.
 *
 * `ByteChannel` hides the transport (a serial port via serialport, or an in-memory pipe in tests);
 * `ByteQueue` turns pushed chunks into exact-length reads that fail with ETIMEDOUT instead of
 * waiting forever, and fail at once (ENODEV) once the transport has gone away.
 */
import { HilError } from '../../abi/errno';

export interface ByteChannel {
  /** A name for errors, e.g. the port path. */
  readonly name: string;
  write(bytes: Uint8Array): Promise<void>;
  /** Exactly n bytes, or ETIMEDOUT after timeoutMs, or the transport's failure. */
  read(n: number, timeoutMs: number): Promise<Uint8Array>;
  /** Drops whatever has been received and not read. */
  discardInput(): void;
  close(): Promise<void>;
}

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiter: { n: number; resolve: (b: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private failure: HilError | undefined;

  constructor(private readonly name: string) {}

  push(chunk: Uint8Array): void {
    if (this.failure || chunk.length === 0) return;
    this.chunks.push(Uint8Array.from(chunk));
    this.size += chunk.length;
    this.wake();
  }

  /** The transport is gone: every pending and future read fails with `err`. */
  fail(err: HilError): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  get failed(): HilError | undefined {
    return this.failure;
  }

  discard(): void {
    this.chunks = [];
    this.size = 0;
  }

  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new HilError('EBUSY', `${this.name}: a read is already pending`));
    if (this.size >= n) return Promise.resolve(this.take(n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new HilError('ETIMEDOUT', `${this.name}: no answer within ${timeoutMs} ms (got ${this.size} of ${n} bytes)`));
      }, timeoutMs);
      this.waiter = { n, resolve, reject, timer };
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || this.size < w.n) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(this.take(w.n));
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return out;
  }
}
