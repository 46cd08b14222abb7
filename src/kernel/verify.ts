/**
 * Generic syscall verification, driven by the ABI table (the `z_vrfy_*` half of every syscall).
 *
 * Two passes, so that a malformed call is always a fault even if it also lacks a grant:
 * 1. shape: every slot is an integer in range, every handle names a live object of the right
 *    type, every buffer lies inside memory the caller may use (a partition of its domain, or a
 *    lease lent to it with the right access) (else `Oops`);
 * 2. permission: the caller holds a grant on every object argument (else `Denied`, i.e. EPERM).
 * Handlers receive typed, resolved arguments and never see raw slots.
 */
import { type ErrnoCode, HilError } from '../abi/errno';
import { LEASE_READ, LEASE_WRITE } from '../abi/lease';
import type { ArgDecl, ObjectType, SyscallDecl, SyscallName, SYSCALLS } from '../abi/syscalls';
import type { EndpointObject, GpioObject, I2cDeviceObject, LeaseObject, PartitionObject, SpiDeviceObject } from './kobjects';
import type { KObjectBase, ObjectTable } from './objects';
import type { UserThread } from './thread';

/** A verification failure that stops the calling thread (Zephyr's K_OOPS). */
export class Oops extends Error {
  constructor(
    readonly code: ErrnoCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A permission failure: the call returns EPERM and the thread's denial counter goes up. */
export class Denied extends Error {}

type ObjOf<T extends ObjectType> = T extends 'spi_device'
  ? SpiDeviceObject
  : T extends 'i2c_device'
    ? I2cDeviceObject
    : T extends 'gpio'
      ? GpioObject
      : T extends 'endpoint'
        ? EndpointObject
        : T extends 'partition'
          ? PartitionObject
          : KObjectBase;

type VerifiedOf<A> = A extends { kind: 'obj'; type: infer T extends ObjectType }
  ? ObjOf<T>
  : A extends { kind: 'buf' }
    ? Uint8Array
    : number;

/** The resolved argument tuple a handler receives for syscall N. */
export type Verified<N extends SyscallName> = VerifiedTuple<(typeof SYSCALLS)[N]['args']>;
type VerifiedTuple<T extends readonly unknown[]> = { -readonly [K in keyof T]: VerifiedOf<T[K]> };

export function checkInt(v: number, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Oops('EINVAL', `${what}: ${String(v)} is not an integer`);
  if (v < min || v > max) throw new Oops('EINVAL', `${what}: ${v} is outside [${min}, ${max}]`);
  return v;
}

/** What the kernel will do with a window: read it (an `in` argument, a tx buffer) or write it. */
export type Access = 'read' | 'write';

const EMPTY = new Uint8Array(0);

/**
 * Resolves a (handle, offset, length) window to a view (K_SYSCALL_MEMORY_READ/WRITE): the handle
 * is a partition of the caller's memory domain, or a lease lent to the caller that allows
 * `access`. A zero-length window needs no handle. A lease whose lender died is ECONNRESET, an
 * error rather than a fault: the server did nothing wrong.
 */
export function resolveWindow(
  objects: ObjectTable,
  t: UserThread,
  part: number,
  off: number,
  len: number,
  maxLen: number,
  what: string,
  access: Access,
): Uint8Array {
  checkInt(len, 0, maxLen, `${what} length`);
  checkInt(off, 0, 0x7fffffff, `${what} offset`);
  checkInt(part, 0, 0x7fffffff, `${what} handle`);
  if (len === 0 && part === 0) return EMPTY;
  const o = objects.get(part);
  let bytes: Uint8Array;
  if (o?.type === 'partition' && t.domain.has(part)) {
    bytes = (o as PartitionObject).bytes;
  } else if (o?.type === 'lease' && (o as LeaseObject).borrower === t) {
    const l = o as LeaseObject;
    if ((l.flags & (access === 'read' ? LEASE_READ : LEASE_WRITE)) === 0) {
      throw new Oops('EFAULT', `${what}: lease ${o.name} was not lent for ${access === 'read' ? 'reading' : 'writing'}`);
    }
    if (l.revoked) throw new HilError('ECONNRESET', `${what}: the thread that lent ${o.name} is gone`);
    bytes = l.bytes;
  } else {
    throw new Oops('EFAULT', `${what}: handle ${part} is neither a partition in ${t.name}'s memory domain nor a lease lent to it`);
  }
  if (off + len > bytes.length) {
    throw new Oops('EFAULT', `${what}: [${off}, ${off + len}) runs past the end of ${o.name} (${bytes.length} bytes)`);
  }
  return bytes.subarray(off, off + len);
}

export function verifyArgs<N extends SyscallName>(
  objects: ObjectTable,
  t: UserThread,
  name: N,
  decl: SyscallDecl,
  slots: ArrayLike<number>,
): Verified<N> {
  const out: unknown[] = [];
  const needGrant: [ArgDecl, KObjectBase][] = [];
  let i = 1; // slot 0 is the syscall number
  for (const a of decl.args) {
    const what = `${name}(${a.name})`;
    if (a.kind === 'int') {
      out.push(checkInt(slots[i++]!, a.min, a.max, what));
    } else if (a.kind === 'obj') {
      const h = slots[i++]!;
      checkInt(h, 1, 0x7fffffff, `${what} handle`);
      const o = objects.get(h);
      if (!o) throw new Oops('EBADF', `${what}: handle ${h} is not a live kernel object (forged or stale)`);
      if (o.type !== a.type) throw new Oops('EBADF', `${what}: handle ${h} is a ${o.type}, expected ${a.type}`);
      needGrant.push([a, o]);
      out.push(o);
    } else {
      const part = slots[i++]!;
      const off = slots[i++]!;
      const len = slots[i++]!;
      out.push(resolveWindow(objects, t, part, off, len, a.maxLen, what, a.dir === 'in' ? 'read' : 'write'));
    }
  }
  for (const [a, o] of needGrant) {
    if (!t.grants.has(o.handle)) throw new Denied(`${name}(${a.name}): ${t.name} holds no grant on ${o.type} ${o.name}`);
  }
  return out as Verified<N>;
}
