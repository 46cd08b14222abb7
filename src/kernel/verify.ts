/**
 * Generic syscall verification, driven by the ABI table (the `z_vrfy_*` half of every syscall).
 *
 * Two passes, so that a malformed call is always a fault even if it also lacks a grant:
 * 1. shape: every slot is an integer in range, every handle names a live object of the right
 *    type, every buffer lies inside a partition of the caller's memory domain (else `Oops`);
 * 2. permission: the caller holds a grant on every object argument (else `Denied`, i.e. EPERM).
 * Handlers receive typed, resolved arguments and never see raw slots.
 */
import type { ErrnoCode } from '../abi/errno';
import type { ArgDecl, ObjectType, SyscallDecl, SyscallName, SYSCALLS } from '../abi/syscalls';
import type { EndpointObject, GpioObject, I2cDeviceObject, PartitionObject, SpiDeviceObject } from './kobjects';
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

/**
 * Resolves a (partition, offset, length) window of the caller's memory domain to a view
 * (K_SYSCALL_MEMORY_READ/WRITE). A zero-length window needs no partition.
 */
export function resolveWindow(
  objects: ObjectTable,
  t: UserThread,
  part: number,
  off: number,
  len: number,
  maxLen: number,
  what: string,
): Uint8Array {
  checkInt(len, 0, maxLen, `${what} length`);
  checkInt(off, 0, 0x7fffffff, `${what} offset`);
  checkInt(part, 0, 0x7fffffff, `${what} partition`);
  if (len === 0 && part === 0) return new Uint8Array(0);
  const p = objects.get(part);
  if (!p || p.type !== 'partition' || !t.domain.has(part)) {
    throw new Oops('EFAULT', `${what}: partition handle ${part} is not in ${t.name}'s memory domain`);
  }
  const bytes = (p as PartitionObject).bytes;
  if (off + len > bytes.length) {
    throw new Oops('EFAULT', `${what}: [${off}, ${off + len}) runs past the end of partition ${p.name} (${bytes.length} bytes)`);
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
      out.push(resolveWindow(objects, t, part, off, len, a.maxLen, what));
    }
  }
  for (const [a, o] of needGrant) {
    if (!t.grants.has(o.handle)) throw new Denied(`${name}(${a.name}): ${t.name} holds no grant on ${o.type} ${o.name}`);
  }
  return out as Verified<N>;
}
