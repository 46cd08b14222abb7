/**
 * The fuzzer's oracle: from a raw syscall frame (number and wire slots, exactly as the kernel will
 * read them) and what the calling thread knows of the world, the outcome the ABI documents
 * (docs/ARCHITECTURE.md, "Permission model" and the syscall table):
 *
 * - a malformed call (unknown number; an integer slot that is not an integer in range; a handle
 *   that is forged, stale or of the wrong type; a window outside the caller's memory domain;
 *   a malformed descriptor) is a fault of the thread, with the first failing check's code;
 * - a well-formed call naming an object the thread holds no grant on returns -EPERM (an I2C
 *   address outside the device's range too);
 * - a well-formed call the device or service cannot serve returns -errno (EINVAL, EMSGSIZE,
 *   EDEADLK, ENOSPC, EOWNERDEAD, ENODEV, EAGAIN…);
 * - anything else returns its documented value.
 *
 * It is written from the documented rules, not from the kernel's code, and checks are applied in
 * the documented order (arguments in declaration order, each buffer's length, offset, then
 * handle; grants after shape; descriptors in order), so a kernel that checks in another order, or
 * lets a call through, disagrees with it. What it reads of the ABI are the facts both sides
 * share: syscall numbers and argument declarations, and descriptor layouts.
 */
import { ERRNO, type ErrnoCode } from '../../../src/abi/errno';
import { decodeI2cMsg, I2C_MSG_DESC_SIZE, I2C_MSG_READ } from '../../../src/abi/i2c';
import { decodeLeaseDesc, LEASE_DESC_SIZE, LEASE_READ, LEASE_WRITE } from '../../../src/abi/lease';
import { decodeSpiXfer, SPI_XFER_DESC_SIZE } from '../../../src/abi/spi';
import { type SyscallDecl, syscallByNumber } from '../../../src/abi/syscalls';
import { type FuzzTargets, type KnownObject, SERVER_MAX_REPLY, SERVER_OP } from './world';

export type OutcomeClass = 'ok' | 'eperm' | 'refused' | 'ipc';

/** What a successful IPC call does besides returning, that the caller should check or remember. */
export type IpcEffect =
  | { readonly kind: 'mortal-dies' }
  | { readonly kind: 'fill'; readonly value: number; readonly windows: readonly LentWindow[] }
  | { readonly kind: 'learn-leases'; readonly count: number; readonly reply: LentWindow }
  | { readonly kind: 'echo'; readonly expected: Uint8Array; readonly reply: LentWindow };

export type Expect =
  | { readonly kind: 'fault'; readonly code: ErrnoCode; readonly why: string }
  | {
      readonly kind: 'value';
      /** The r0 values the kernel may return (more than one where the outcome depends on timing). */
      readonly r0: readonly number[];
      /** r1, when the call defines it. */
      readonly r1?: number | undefined;
      readonly cls: OutcomeClass;
      readonly why: string;
      readonly effect?: IpcEffect | undefined;
      /** spi_lock / spi_unlock change who holds the bus. */
      readonly lock?: 'take' | 'drop' | undefined;
    }
  | { readonly kind: 'any'; readonly why: string };

export interface LentWindow {
  readonly part: number;
  readonly off: number;
  readonly len: number;
  readonly flags: number;
}

/** What the calling thread knows: its objects, its memory, and the state its own calls left. */
export interface OracleWorld {
  /** The live object behind a handle, as far as the thread knows; undefined for a dead or forged one. */
  object(handle: number): KnownObject | undefined;
  /** The bytes of a partition in the thread's domain (descriptors are read from there). */
  memory(handle: number): Uint8Array | undefined;
  readonly targets: FuzzTargets;
  /** The thread holds its SPI bus with spi_lock. */
  readonly lockHeld: boolean;
  readonly mortalDead: boolean;
  /** Length of the thread's obj_list JSON (0 while unknown). */
  readonly objListLen: number;
  /** Receive buffer of the victim and mortal servers. */
  readonly serverMaxMsg: number;
}

const U31 = 0x7fffffff;
const fault = (code: ErrnoCode, why: string): Expect => ({ kind: 'fault', code, why });
const value = (r0: number | readonly number[], cls: OutcomeClass, why: string, extra: Partial<Extract<Expect, { kind: 'value' }>> = {}): Expect => ({
  kind: 'value',
  r0: typeof r0 === 'number' ? [r0] : r0,
  cls,
  why,
  ...extra,
});
const errno = (code: ErrnoCode): number => -ERRNO[code];

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

class Failed {
  constructor(readonly expect: Expect) {}
}

/** A checked window: its bytes, or a Failed expectation. */
function window(w: OracleWorld, part: unknown, off: unknown, len: unknown, maxLen: number, what: string): Uint8Array {
  if (!isInt(len) || len < 0 || len > maxLen) throw new Failed(fault('EINVAL', `${what}: length ${String(len)}`));
  if (!isInt(off) || off < 0 || off > U31) throw new Failed(fault('EINVAL', `${what}: offset ${String(off)}`));
  if (!isInt(part) || part < 0 || part > U31) throw new Failed(fault('EINVAL', `${what}: handle ${String(part)}`));
  if (len === 0 && part === 0) return new Uint8Array(0);
  const o = w.object(part);
  const mem = o?.type === 'partition' && o.inDomain ? w.memory(part) : undefined;
  if (!mem) throw new Failed(fault('EFAULT', `${what}: handle ${part} is not a partition of the domain`));
  if (off + len > mem.length) throw new Failed(fault('EFAULT', `${what}: [${off}, ${off + len}) past ${mem.length}`));
  return mem.subarray(off, off + len);
}

interface Resolved {
  readonly objs: (KnownObject | undefined)[];
  readonly ints: number[];
  readonly bufs: Uint8Array[];
  /** Wire position of each buf argument (for IPC lease windows the caller must name). */
  readonly bufRefs: { part: number; off: number; len: number }[];
}

/** Shape checks in declaration order, then grants: what every syscall goes through first. */
function verify(w: OracleWorld, name: string, decl: SyscallDecl, slots: readonly unknown[]): Resolved {
  const r: Resolved = { objs: [], ints: [], bufs: [], bufRefs: [] };
  let i = 0;
  for (const a of decl.args) {
    const what = `${name}(${a.name})`;
    if (a.kind === 'int') {
      const v = slots[i++];
      if (!isInt(v) || v < a.min || v > a.max) throw new Failed(fault('EINVAL', `${what}: ${String(v)}`));
      r.ints.push(v);
    } else if (a.kind === 'obj') {
      const h = slots[i++];
      if (!isInt(h) || h < 1 || h > U31) throw new Failed(fault('EINVAL', `${what}: handle ${String(h)}`));
      const o = w.object(h);
      if (!o) throw new Failed(fault('EBADF', `${what}: handle ${h} is dead or forged`));
      if (o.type !== a.type) throw new Failed(fault('EBADF', `${what}: handle ${h} is a ${o.type}`));
      r.objs.push(o);
    } else {
      const part = slots[i++];
      const off = slots[i++];
      const len = slots[i++];
      r.bufs.push(window(w, part, off, len, a.maxLen, what));
      r.bufRefs.push({ part: part as number, off: off as number, len: len as number });
    }
  }
  for (const o of r.objs) if (o && !o.granted) throw new Failed(value(errno('EPERM'), 'eperm', `${name}: no grant on ${o.type} ${o.name}`));
  return r;
}

function spiTransfer(w: OracleWorld, dev: KnownObject, descs: Uint8Array): Expect {
  if (descs.length === 0 || descs.length % SPI_XFER_DESC_SIZE !== 0) return fault('EINVAL', `spi_transfer: ${descs.length} descriptor bytes`);
  const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
  const spi = w.targets.spi;
  let total = 0;
  let refuse: ErrnoCode | undefined;
  for (let at = 0; at < descs.length; at += SPI_XFER_DESC_SIZE) {
    const d = decodeSpiXfer(view, at);
    const what = `spi_transfer(xfers[${at / SPI_XFER_DESC_SIZE}])`;
    if (d.reserved !== 0) return fault('EINVAL', `${what}: reserved ${d.reserved}`);
    if (d.len === 0) return fault('EINVAL', `${what}: zero length`);
    if (d.txPart) window(w, d.txPart, d.txOff, d.len, U31, `${what}.tx`);
    if (d.rxPart) window(w, d.rxPart, d.rxOff, d.len, U31, `${what}.rx`);
    if (dev.handle !== spi.handle) throw new Error('the oracle knows only its own SPI device');
    if (d.speedHz > spi.maxSpeedHz || (d.bitsPerWord !== 0 && d.bitsPerWord !== 8)) refuse = 'EINVAL';
    total += d.len;
  }
  if (refuse) return value(errno(refuse), 'refused', 'spi_transfer: clock or word size the device cannot do');
  if (total > spi.maxTransferBytes) return value(errno('EMSGSIZE'), 'refused', `spi_transfer: ${total} bytes`);
  return value(total, 'ok', `spi_transfer of ${total} bytes`);
}

function i2cTransfer(w: OracleWorld, dev: KnownObject, descs: Uint8Array): Expect {
  if (descs.length === 0 || descs.length % I2C_MSG_DESC_SIZE !== 0) return fault('EINVAL', `i2c_transfer: ${descs.length} descriptor bytes`);
  const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
  const i2c = w.targets.i2c;
  if (dev.handle !== i2c.handle) throw new Error('the oracle knows only its own I2C device');
  let total = 0;
  let tooLong = false;
  for (let at = 0; at < descs.length; at += I2C_MSG_DESC_SIZE) {
    const d = decodeI2cMsg(view, at);
    const what = `i2c_transfer(msgs[${at / I2C_MSG_DESC_SIZE}])`;
    if (d.reserved !== 0 || (d.flags & ~I2C_MSG_READ) !== 0) return fault('EINVAL', `${what}: reserved bits`);
    if (d.len === 0) return fault('EINVAL', `${what}: zero length`);
    window(w, d.part, d.off, d.len, U31, `${what}.buf`);
    if (d.addr < i2c.address || d.addr >= i2c.address + i2c.count) return value(errno('EPERM'), 'eperm', `${what}: address 0x${d.addr.toString(16)} outside the device`);
    if (d.len > i2c.maxTransferBytes) tooLong = true;
    total += d.len;
  }
  if (tooLong) return value(errno('EMSGSIZE'), 'refused', 'i2c_transfer: a message longer than the bus allows');
  // A chip in its write cycle does not acknowledge (acknowledge polling): a NACK is a device refusal.
  return value([total, errno('EREMOTEIO')], 'ok', `i2c_transfer of ${total} bytes`);
}

function lentWindows(w: OracleWorld, descs: Uint8Array): LentWindow[] {
  if (descs.length % LEASE_DESC_SIZE !== 0) throw new Failed(fault('EINVAL', `ipc_call(leases): ${descs.length} bytes`));
  const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
  const out: LentWindow[] = [];
  for (let at = 0; at < descs.length; at += LEASE_DESC_SIZE) {
    const d = decodeLeaseDesc(view, at);
    const what = `ipc_call(leases[${at / LEASE_DESC_SIZE}])`;
    if (d.flags === 0 || (d.flags & ~(LEASE_READ | LEASE_WRITE)) !== 0) throw new Failed(fault('EINVAL', `${what}: flags ${d.flags}`));
    // Only the caller's own memory can be lent: anything that is not a partition is refused first.
    if (w.object(d.part)?.type !== 'partition') throw new Failed(fault('EFAULT', `${what}: handle ${d.part} is not a partition`));
    window(w, d.part, d.off, d.len, U31, what);
    out.push({ part: d.part, off: d.off, len: d.len, flags: d.flags });
  }
  return out;
}


function ipcCall(w: OracleWorld, ep: KnownObject, msg: Uint8Array, reply: { len: number; part: number; off: number }, leases: readonly LentWindow[]): Expect {
  const t = w.targets;
  const mortal = ep.handle === t.mortal;
  if (ep.handle !== t.victim && !mortal) throw new Error('the oracle knows only its own endpoints');
  if (mortal && w.mortalDead) return value(errno('ENODEV'), 'refused', 'ipc_call: the mortal server is gone');
  if (msg.length > w.serverMaxMsg) return value(errno('EMSGSIZE'), 'refused', `ipc_call: ${msg.length}-byte message`);
  const op = msg.length > 0 ? msg[0]! : SERVER_OP.ECHO;
  const arg = msg.length > 1 ? msg[1]! : 0;
  const replying = (n: number, why: string, extra: Partial<Extract<Expect, { kind: 'value' }>> = {}): Expect =>
    n > reply.len ? value(errno('EMSGSIZE'), 'refused', `${why}: ${n}-byte reply into ${reply.len}`, { r1: 0 }) : value(n, 'ipc', why, { r1: 0, ...extra });
  switch (op) {
    case SERVER_OP.CRASH:
      return value(errno('EOWNERDEAD'), 'refused', 'ipc_call: the server dies handling it', mortal ? { effect: { kind: 'mortal-dies' } } : {});
    case SERVER_OP.STATUS:
      return value(0, 'ipc', 'ipc_call: status reply', { r1: -arg });
    case SERVER_OP.READ_LEASES: {
      const n = leases.filter((l) => l.flags & LEASE_READ).reduce((s, l) => s + l.len, 0);
      return replying(Math.min(n, SERVER_MAX_REPLY), 'ipc_call: readable leases echoed');
    }
    case SERVER_OP.FILL_LEASES:
      return value(0, 'ipc', 'ipc_call: writable leases filled', {
        r1: 0,
        effect: { kind: 'fill', value: arg, windows: leases.filter((l) => l.flags & LEASE_WRITE) },
      });
    case SERVER_OP.LEASE_HANDLES:
      return replying(4 * leases.length, 'ipc_call: lease handles', {
        effect: { kind: 'learn-leases', count: leases.length, reply: { part: reply.part, off: reply.off, len: 4 * leases.length, flags: LEASE_WRITE } },
      });
    default: {
      const expected = Uint8Array.from(msg).reverse();
      return replying(msg.length, 'ipc_call: echo', { effect: { kind: 'echo', expected, reply: { part: reply.part, off: reply.off, len: msg.length, flags: LEASE_WRITE } } });
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function validUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

/** The documented outcome of syscall `nr` with wire `slots` (missing slots are undefined). */
export function expectSyscall(w: OracleWorld, nr: unknown, slots: readonly unknown[]): Expect {
  const entry = typeof nr === 'number' ? syscallByNumber(nr) : undefined;
  if (!entry) return fault('ENOSYS', `unknown syscall ${String(nr)}`);
  const [name, decl] = entry;
  try {
    const r = verify(w, name, decl, slots);
    switch (name) {
      case 'null':
      case 'yield':
      case 'sleep':
        return value(0, 'ok', name);
      case 'spi_transfer':
        return spiTransfer(w, r.objs[0]!, r.bufs[0]!);
      case 'spi_lock':
        return w.lockHeld ? value(errno('EDEADLK'), 'refused', 'spi_lock: already held') : value(0, 'ok', 'spi_lock', { lock: 'take' });
      case 'spi_unlock':
        return w.lockHeld ? value(0, 'ok', 'spi_unlock', { lock: 'drop' }) : value(errno('EINVAL'), 'refused', 'spi_unlock: not held');
      case 'i2c_transfer':
        return i2cTransfer(w, r.objs[0]!, r.bufs[0]!);
      case 'gpio_get':
        return value([0, 1], 'ok', 'gpio_get');
      case 'gpio_set':
        return value(0, 'ok', 'gpio_set');
      case 'ipc_call': {
        const leases = lentWindows(w, r.bufs[2]!);
        return ipcCall(w, r.objs[0]!, r.bufs[0]!, r.bufRefs[1]!, leases);
      }
      case 'ipc_receive':
      case 'ipc_reply':
        // The thread serves no endpoint: it may call the endpoints it holds, never answer them.
        return value(errno('EPERM'), 'eperm', `${name}: not the server`);
      case 'obj_list': {
        const out = r.bufs[0]!;
        if (w.objListLen === 0) return { kind: 'any', why: 'obj_list before its length is known' };
        return out.length < w.objListLen ? value(errno('ENOSPC'), 'refused', 'obj_list: too small', { r1: w.objListLen }) : value(w.objListLen, 'ok', 'obj_list', { r1: 0 });
      }
      case 'mem_copy':
        return value(Math.min(r.bufs[0]!.length, r.bufs[1]!.length), 'ok', 'mem_copy');
      case 'report': {
        const text = validUtf8(r.bufs[0]!);
        let json = false;
        if (text !== undefined) {
          try {
            JSON.parse(text);
            json = true;
          } catch {
            json = false;
          }
        }
        return json ? value([0, errno('EAGAIN')], 'ok', 'report') : value([errno('EINVAL'), errno('EAGAIN')], 'refused', 'report: not UTF-8 JSON');
      }
      case 'log':
        return validUtf8(r.bufs[0]!) !== undefined ? value([0, errno('EAGAIN')], 'ok', 'log') : value([errno('EINVAL'), errno('EAGAIN')], 'refused', 'log: not UTF-8');
    }
  } catch (e) {
    if (e instanceof Failed) return e.expect;
    throw e;
  }
}
