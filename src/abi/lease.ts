/**
 * Leases: a window of the caller's memory lent to a server for the length of one IPC call (as
 * Hubris lends memory). The caller describes each window in `ipc_call`'s `leases` buffer; the
 * kernel checks it like any buffer argument, and the server receives a lease handle it may name
 * wherever a syscall takes a buffer (an SPI or I2C descriptor, `mem_copy`), within the lease's
 * bounds and access. The handle stops working when the call is answered.
 *
 * Caller's descriptor (LEASE_DESC_SIZE bytes each):
 *   0 u32 part   partition handle (or a lease the caller itself holds)
 *   4 u32 off
 *   8 u32 len
 *  12 u32 flags  bit 0: the server may read it, bit 1: the server may write it; others 0
 *
 * What the server receives (`ipc_receive`'s `leases` buffer): u32 count, then per lease
 *   0 u32 handle   4 u32 len   8 u32 flags   12 u32 reserved (0)
 * (entries that do not fit the buffer are left out; count still tells how many there are).
 */
import { LEASE_DESC_SIZE } from './syscalls';

export const LEASE_READ = 0x1;
export const LEASE_WRITE = 0x2;

export type LeaseAccess = 'read' | 'write';

export interface LeaseDesc {
  readonly part: number;
  readonly off: number;
  readonly len: number;
  readonly flags: number;
}

export interface LeaseEntry {
  readonly handle: number;
  readonly len: number;
  readonly flags: number;
}

/**
 * A window of a lease as a server's driver holds it: it cannot touch the bytes (they are in the
 * client's memory), only name them in a syscall. `subarray` narrows it like a Uint8Array's.
 */
export interface LeaseWindow {
  readonly lease: number;
  readonly offset: number;
  readonly length: number;
  subarray(begin?: number, end?: number): LeaseWindow;
}

/** Memory a driver hands to the bus: its own bytes, or a window of a lease it was lent. */
export type BusBuffer = Uint8Array | LeaseWindow;

export function leaseFlags(access: LeaseAccess): number {
  return access === 'read' ? LEASE_READ : LEASE_WRITE;
}

export function encodeLeaseDesc(view: DataView, at: number, d: LeaseDesc): void {
  view.setUint32(at, d.part, true);
  view.setUint32(at + 4, d.off, true);
  view.setUint32(at + 8, d.len, true);
  view.setUint32(at + 12, d.flags, true);
}

export function decodeLeaseDesc(view: DataView, at: number): LeaseDesc {
  return { part: view.getUint32(at, true), off: view.getUint32(at + 4, true), len: view.getUint32(at + 8, true), flags: view.getUint32(at + 12, true) };
}

/** Writes the entries a server receives into `out` (as many as fit); returns how many were written. */
export function encodeLeaseEntries(out: Uint8Array, entries: readonly LeaseEntry[]): number {
  if (out.length < 4) return 0;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, entries.length, true);
  let n = 0;
  for (const e of entries) {
    const at = 4 + n * LEASE_DESC_SIZE;
    if (at + LEASE_DESC_SIZE > out.length) break;
    view.setUint32(at, e.handle, true);
    view.setUint32(at + 4, e.len, true);
    view.setUint32(at + 8, e.flags, true);
    view.setUint32(at + 12, 0, true);
    n++;
  }
  return n;
}

export function decodeLeaseEntries(bytes: Uint8Array): LeaseEntry[] {
  if (bytes.length < 4) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const out: LeaseEntry[] = [];
  for (let i = 0; i < count && 4 + (i + 1) * LEASE_DESC_SIZE <= bytes.length; i++) {
    const at = 4 + i * LEASE_DESC_SIZE;
    out.push({ handle: view.getUint32(at, true), len: view.getUint32(at + 4, true), flags: view.getUint32(at + 8, true) });
  }
  return out;
}

export { LEASE_DESC_SIZE };
