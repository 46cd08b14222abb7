/**
 * A lease as the server that was lent it sees it: a handle, a length and what it may do with it.
 * The bytes stay in the caller's memory; the server names a window of them wherever a syscall
 * takes a buffer (an SPI or I2C transfer, `mem_copy`) and the kernel checks each use. Instances
 * are immutable; `subarray` narrows the window like a Uint8Array's.
 */
import { HilError } from '../abi/errno';
import { LEASE_READ, LEASE_WRITE, type LeaseEntry, type LeaseWindow } from '../abi/lease';

export class Lease implements LeaseWindow {
  readonly lease: number;
  readonly offset: number;
  readonly length: number;
  readonly readable: boolean;
  readonly writable: boolean;

  constructor(lease: number, offset: number, length: number, readable: boolean, writable: boolean) {
    this.lease = lease;
    this.offset = offset;
    this.length = length;
    this.readable = readable;
    this.writable = writable;
    Object.freeze(this);
  }

  static of(e: LeaseEntry): Lease {
    return new Lease(e.handle, 0, e.len, (e.flags & LEASE_READ) !== 0, (e.flags & LEASE_WRITE) !== 0);
  }

  subarray(begin = 0, end = this.length): Lease {
    const clamp = (v: number): number => {
      if (!Number.isInteger(v)) throw new HilError('EINVAL', `lease window bound ${String(v)} is not an integer`);
      return v < 0 ? Math.max(0, this.length + v) : Math.min(v, this.length);
    };
    const b = clamp(begin);
    const e = Math.max(b, clamp(end));
    return new Lease(this.lease, this.offset + b, e - b, this.readable, this.writable);
  }
}

export function isLease(v: unknown): v is Lease {
  return v instanceof Lease;
}
