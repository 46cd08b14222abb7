/**
 * A user thread's view of its memory domain: the partitions the kernel handed it, an allocator
 * for driver buffers, and the translation from a `Uint8Array` to the (partition, offset, length)
 * window a syscall names.
 *
 * The first SCRATCH_BYTES of the private partition are reserved for syscall descriptors and for
 * bounce buffers (data a driver passes from ordinary memory is copied there); everything after is
 * handed out by `alloc` and never moves, so buffers allocated once are passed without copying.
 * Bookkeeping lives in #private fields, so a program can allocate but not move the allocator.
 */
import type { PartitionGrant } from '../abi/boot-info';
import { HilError } from '../abi/errno';
import type { BufRef } from '../abi/syscalls';

export const SCRATCH_BYTES = 64 * 1024;

export class Partition {
  readonly handle: number;
  readonly name: string;
  readonly #bytes: Uint8Array;

  constructor(handle: number, name: string, buffer: SharedArrayBuffer) {
    this.handle = handle;
    this.name = name;
    // Non-extensible, so nobody can shadow its methods; an accessor, so hardening the partition
    // does not walk every byte of it.
    this.#bytes = Object.preventExtensions(new Uint8Array(buffer));
  }

  /** The whole partition: memory of this thread's domain (shared with whoever else has it in theirs). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
}

export class UserMemory {
  readonly partitions: readonly Partition[];
  readonly private: Partition;
  #heapTop = SCRATCH_BYTES;
  #scratchTop = 0;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #tops = new Map<string, number>();

  constructor(grants: readonly PartitionGrant[], privateHandle: number) {
    this.partitions = Object.freeze(grants.map((g) => new Partition(g.handle, g.name, g.buffer)));
    const priv = this.partitions.find((p) => p.handle === privateHandle);
    if (!priv) throw new HilError('EINVAL', 'boot info lacks the private partition');
    this.private = priv;
  }

  partition(name: string): Partition {
    const p = this.partitions.find((q) => q.name === name);
    if (!p) throw new HilError('EFAULT', `partition ${name} is not in this thread's memory domain`);
    return p;
  }

  /** A zeroed buffer in the private partition, kept for the thread's lifetime. */
  alloc(len: number): Uint8Array {
    if (!Number.isSafeInteger(len) || len < 0) throw new HilError('EINVAL', `alloc(${String(len)}): length must be a non-negative integer`);
    const at = (this.#heapTop + 7) & ~7;
    if (at + len > this.private.bytes.length) {
      throw new HilError('ENOMEM', `private partition of ${this.private.bytes.length} bytes is full (asked for ${len})`);
    }
    this.#heapTop = at + len;
    return this.private.bytes.subarray(at, at + len).fill(0);
  }

  /**
   * A bump allocator over a named partition of the domain, for a driver library whose globals
   * live in that partition (the caller must have the partition in its domain to get here at all).
   */
  allocator(name: string): (len: number) => Uint8Array {
    const p = this.partition(name);
    return (len: number) => {
      if (!Number.isSafeInteger(len) || len < 0) throw new HilError('EINVAL', `alloc(${String(len)}): length must be a non-negative integer`);
      const at = ((this.#tops.get(name) ?? 0) + 7) & ~7;
      if (at + len > p.bytes.length) throw new HilError('ENOMEM', `partition ${name} of ${p.bytes.length} bytes is full`);
      this.#tops.set(name, at + len);
      return p.bytes.subarray(at, at + len).fill(0);
    };
  }

  /** Scratch space valid until the next `withScratch` run (one syscall's descriptors and bounces). */
  scratch(len: number): Uint8Array {
    const at = (this.#scratchTop + 7) & ~7;
    if (at + len > SCRATCH_BYTES) throw new HilError('ENOMEM', `syscall scratch of ${SCRATCH_BYTES} bytes exceeded (asked for ${len})`);
    this.#scratchTop = at + len;
    return this.private.bytes.subarray(at, at + len);
  }

  /**
   * Runs fn with the scratch area to itself: calls that use scratch are serialised, so two
   * asynchronous transactions of one thread cannot overwrite each other's descriptors.
   */
  withScratch<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => {
      this.#scratchTop = 0;
      return fn();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every call queued on the scratch area has finished. */
  settled(): Promise<void> {
    return this.#chain.then(() => undefined);
  }

  /** The window a view covers, if it lies in one of this thread's partitions. */
  ref(view: Uint8Array): BufRef | undefined {
    for (const p of this.partitions) {
      if (view.buffer === p.bytes.buffer) return { part: p.handle, off: view.byteOffset, len: view.byteLength };
    }
    return undefined;
  }
}
