/**
 * The fuzzer's frame generator: frame k of a run is a pure function of (seed, stream, k) and of
 * the little state the hostile thread's own calls leave (does it hold its bus lock, is the mortal
 * server dead, which lease handles has it seen), so a printed seed reproduces a run.
 *
 * Frames are mostly well-formed (their outcome is a value the oracle predicts exactly), with a
 * steady share of calls on objects the thread holds no grant on (EPERM), of requests its devices
 * and servers refuse (-errno), and a smaller share of malformed calls that fault the thread (each
 * fault costs a restart, so they are kept to a few percent). Besides syscalls there are frames
 * that are not calls at all: garbage written into the syscall page between calls and while the
 * kernel reads a request (sync), malformed MessagePort messages (port), forged bootstrap messages,
 * and a false memory report the watchdog must act on.
 *
 * The generator says what it sends; the oracle (oracle.ts) alone says what must happen.
 */
import { encodeI2cMsg, I2C_MSG_DESC_SIZE, I2C_MSG_READ } from '../../../src/abi/i2c';
import { encodeLeaseDesc, LEASE_DESC_SIZE, LEASE_READ, LEASE_WRITE } from '../../../src/abi/lease';
import { encodeSpiXfer, SPI_XFER_DESC_SIZE } from '../../../src/abi/spi';
import { type ArgDecl, MAX_WIRE_SLOTS, type SyscallName, SYSCALLS } from '../../../src/abi/syscalls';
import type { Prng } from '../lib/prng';
import { type FuzzTargets, type KnownObject, MARKER_AREA, SERVER_OP } from './world';

/** Bytes the thread writes into its own memory before the call (descriptors, messages, data). */
export interface MemWrite {
  readonly part: number;
  readonly off: number;
  readonly bytes: Uint8Array;
}

export type Category = 'valid' | 'eperm' | 'refused' | 'malformed' | 'console' | 'truncated' | 'oversized' | 'race';

export type Frame =
  | {
      readonly kind: 'call';
      readonly category: Category;
      readonly nr: number;
      readonly slots: readonly number[];
      readonly writes: readonly MemWrite[];
      /** sync: only this many slots are written (the rest keep the previous call's values). */
      readonly truncateTo?: number | undefined;
      /** port: the message sent instead of [seq, nr, ...slots] (holes, extra slots, too many). */
      readonly portShape?: 'short' | 'long' | 'sparse' | undefined;
      /** sync: garbage is written into the argument and result slots while the kernel reads the request. */
      readonly race?: boolean | undefined;
    }
  | { readonly kind: 'port-garbage'; readonly message: unknown; readonly note: string }
  | { readonly kind: 'page-garbage'; readonly state: number; readonly slots: readonly number[]; readonly heartbeat: number }
  | { readonly kind: 'bootstrap'; readonly message: unknown; readonly faultCode: string | undefined; readonly note: string }
  | { readonly kind: 'memory-claim' };

export interface GenContext {
  readonly rng: Prng;
  readonly transport: 'sync' | 'port';
  readonly objects: readonly KnownObject[];
  readonly targets: FuzzTargets;
  readonly priv: { readonly handle: number; readonly size: number };
  /** The thread's own thread handle (a live object of the wrong type for every syscall). */
  readonly self: number;
  readonly stale: readonly number[];
  readonly lockHeld: boolean;
  /** Frames since the lock was taken: the generator gives it back soon, so it never times out. */
  readonly lockAge: number;
  readonly serverMaxMsg: number;
}

// Layout of the private partition: descriptors, messages and replies, then data windows.
const DESC = 0x0000;
const MSG = 0x1000;
const MSG_SPAN = 0x3000;
const DATA = 0x4000;

const MAX_SYSCALL = Math.max(...Object.values(SYSCALLS).map((d) => d.nr));
const U31 = 0x7fffffff;
const BAD_INTS = [-1, NaN, 1.5, 2 ** 31, 2 ** 53, Infinity, -Infinity, -0.5, 1e300] as const;

type Buf = { part: number; off: number; len: number };

class Builder {
  readonly writes: MemWrite[] = [];
  constructor(private readonly c: GenContext) {}

  private get rng(): Prng {
    return this.c.rng;
  }

  write(part: number, off: number, bytes: Uint8Array): Buf {
    this.writes.push({ part, off, bytes });
    return { part, off, len: bytes.length };
  }

  /** A window of the thread's own memory (private, or the shared partition). */
  window(len: number, region: 'data' | 'msg' = 'data'): Buf {
    const r = this.rng;
    if (region === 'data' && r.chance(0.2) && len <= this.c.targets.shared.size) {
      return { part: this.c.targets.shared.handle, off: r.int(0, this.c.targets.shared.size - len), len };
    }
    const [from, to] = region === 'msg' ? [MSG, MSG + MSG_SPAN] : [DATA, this.c.priv.size - MARKER_AREA];
    const span = Math.max(0, to - from - len);
    return { part: this.c.priv.handle, off: from + r.int(0, span), len };
  }

  smallLen(max = 256): number {
    const r = this.rng;
    return r.chance(0.7) ? r.int(1, Math.min(64, max)) : r.int(1, max);
  }

  /** A window that breaks exactly one rule (EINVAL or EFAULT). */
  badWindow(maxLen: number): Buf {
    const r = this.rng;
    const good = this.window(this.smallLen(64));
    const foreign = this.c.objects.filter((o) => o.type === 'partition' && !o.inDomain);
    const devices = this.c.objects.filter((o) => o.type !== 'partition');
    switch (r.int(0, 9)) {
      case 0:
        return { ...good, len: maxLen + r.int(1, 1000) };
      case 1:
        return { ...good, len: r.pick(BAD_INTS) };
      case 2:
        return { ...good, off: r.pick(BAD_INTS) };
      case 3:
        return { ...good, part: r.pick([-1, NaN, 0.5, 2 ** 31, 2 ** 40]) };
      case 4:
        return { ...good, part: this.deadHandle() };
      case 5:
        return { ...good, part: r.pick(devices).handle };
      case 6:
        return foreign.length ? { ...good, part: r.pick(foreign).handle } : { ...good, part: this.deadHandle() };
      case 7:
        return { part: this.c.priv.handle, off: this.c.priv.size - r.int(0, 8), len: r.int(9, 64) };
      case 8:
        return { part: 0, off: 0, len: r.int(1, 64) };
      default:
        return { ...good, part: this.c.self };
    }
  }

  /** A handle that names no live object: an index the table never reaches, or a static slot with another generation. */
  deadHandle(): number {
    const r = this.rng;
    const statics = this.c.objects;
    switch (r.int(0, 3)) {
      case 0:
        return r.int(1, 200) * 65536 + r.int(50_000, 65_535);
      case 1: {
        const o = r.pick(statics);
        return o.handle + r.int(1, 500) * 65536;
      }
      case 2:
        return this.c.stale.length ? r.pick(this.c.stale) : r.int(1, 3) * 65536 + r.int(50_000, 65_535);
      default: {
        const o = r.pick(statics);
        return o.handle % 65536; // generation 0: never handed out
      }
    }
  }

  /** A handle argument of type `type` that breaks one rule (EINVAL or EBADF). */
  badHandle(type: string): number {
    const r = this.rng;
    const wrongType = this.c.objects.filter((o) => o.type !== type);
    switch (r.int(0, 3)) {
      case 0:
        return r.pick([0, -1, NaN, 1.5, 2 ** 31, 2 ** 53, -65536]);
      case 1:
        return this.deadHandle();
      case 2:
        return wrongType.length ? r.pick(wrongType).handle : this.c.self;
      default:
        return this.c.self;
    }
  }

  ungranted(type: string): number | undefined {
    const list = this.c.objects.filter((o) => o.type === type && !o.granted);
    return list.length ? this.rng.pick(list).handle : undefined;
  }

  spiDescs(opts: { flaw?: boolean; refuse?: boolean; garbage?: boolean } = {}): Buf {
    const r = this.rng;
    const t = this.c.targets.spi;
    const n = r.int(1, 4);
    let area: Uint8Array = new Uint8Array(n * SPI_XFER_DESC_SIZE);
    const view = new DataView(area.buffer);
    const flawAt = opts.flaw ? r.int(0, n - 1) : -1;
    const refuseAt = opts.refuse ? r.int(0, n - 1) : -1;
    for (let i = 0; i < n; i++) {
      const len = this.smallLen(96);
      const tx = r.chance(0.7) ? this.window(len) : undefined;
      const rx = r.chance(0.6) ? this.window(len) : undefined;
      const d = {
        txPart: tx?.part ?? 0,
        txOff: tx?.off ?? 0,
        rxPart: rx?.part ?? 0,
        rxOff: rx?.off ?? 0,
        len,
        speedHz: r.chance(0.5) ? 0 : r.int(100_000, t.maxSpeedHz),
        delayUs: r.chance(0.9) ? 0 : r.int(0, 20),
        bitsPerWord: r.chance(0.8) ? 0 : 8,
        csChange: r.chance(0.3),
        reserved: 0,
      };
      if (tx) this.write(tx.part, tx.off, r.bytes(len));
      if (i === refuseAt) {
        const how = r.int(0, 2);
        if (how === 0) d.speedHz = t.maxSpeedHz + r.int(1, 50_000_000);
        else if (how === 1) d.bitsPerWord = r.pick([1, 7, 9, 16, 32, 255]);
        else {
          d.len = t.maxTransferBytes + r.int(1, 2000);
          d.txPart = 0;
          const w = this.window(d.len);
          d.rxPart = w.part;
          d.rxOff = w.off;
        }
      }
      if (i === flawAt) {
        const w = this.badWindow(U31);
        switch (r.int(0, 4)) {
          case 0:
            d.reserved = r.int(1, 0xffffffff);
            break;
          case 1:
            d.len = 0;
            break;
          case 2:
            d.txPart = w.part >>> 0;
            d.txOff = w.off >>> 0;
            d.len = (w.len >>> 0) || 1;
            break;
          case 3:
            d.rxPart = w.part >>> 0;
            d.rxOff = w.off >>> 0;
            d.len = (w.len >>> 0) || 1;
            break;
          default:
            d.txPart = this.c.priv.handle;
            d.txOff = r.int(0x80000000, 0xffffffff);
        }
      }
      encodeSpiXfer(view, i * SPI_XFER_DESC_SIZE, d);
    }
    if (opts.garbage) area = r.bytes(area.length);
    if (opts.flaw && r.chance(0.2)) area = area.subarray(0, r.pick([0, 1, 31, 33, area.length - 1].filter((x) => x >= 0 && x < area.length)));
    return this.write(this.c.priv.handle, DESC + r.int(0, 64) * 8, area);
  }

  i2cDescs(opts: { flaw?: boolean; outside?: boolean; refuse?: boolean } = {}): Buf {
    const r = this.rng;
    const t = this.c.targets.i2c;
    const n = r.int(1, 3);
    let area: Uint8Array = new Uint8Array(n * I2C_MSG_DESC_SIZE);
    const view = new DataView(area.buffer);
    const flawAt = opts.flaw ? r.int(0, n - 1) : -1;
    const oddAt = opts.outside ? r.int(0, n - 1) : -1;
    for (let i = 0; i < n; i++) {
      const read = r.chance(0.5);
      const len = this.smallLen(64);
      const w = this.window(len);
      if (!read) this.write(w.part, w.off, r.bytes(len));
      const d = { part: w.part, off: w.off, len, flags: read ? I2C_MSG_READ : 0, addr: t.address + r.int(0, t.count - 1), reserved: 0 };
      if (i === oddAt) d.addr = r.pick([0, 0x08, 0x50, 0x51, 0x56, 0x57, 0x77, 0x7f, 0xff].filter((a) => a < t.address || a >= t.address + t.count));
      if (opts.refuse && i === n - 1) {
        d.len = t.maxTransferBytes + r.int(1, 100);
        const big = this.window(d.len);
        d.part = big.part;
        d.off = big.off;
      }
      if (i === flawAt) {
        const bw = this.badWindow(U31);
        switch (r.int(0, 3)) {
          case 0:
            d.reserved = r.int(1, 0xffff);
            break;
          case 1:
            d.flags = r.pick([0x02, 0x80, 0x81, 0xff]);
            break;
          case 2:
            d.len = 0;
            break;
          default:
            d.part = bw.part >>> 0;
            d.off = bw.off >>> 0;
            d.len = (bw.len >>> 0) || 1;
        }
      }
      encodeI2cMsg(view, i * I2C_MSG_DESC_SIZE, d);
    }
    if (opts.flaw && r.chance(0.2)) area = area.subarray(0, r.pick([0, 1, 15, 17].filter((x) => x < area.length)));
    return this.write(this.c.priv.handle, DESC + r.int(0, 64) * 8, area);
  }

  leaseDescs(opts: { flaw?: boolean } = {}): Buf {
    const r = this.rng;
    const n = r.int(0, 4);
    if (n === 0 && !opts.flaw) return { part: 0, off: 0, len: 0 };
    let area: Uint8Array = new Uint8Array(Math.max(n, 1) * LEASE_DESC_SIZE);
    const view = new DataView(area.buffer);
    const flawAt = opts.flaw ? r.int(0, Math.max(n, 1) - 1) : -1;
    for (let i = 0; i < Math.max(n, 1); i++) {
      const len = r.chance(0.1) ? 0 : this.smallLen(128);
      const w = this.window(len);
      this.write(w.part, w.off, r.bytes(len));
      const d = { part: w.part, off: w.off, len, flags: r.pick([LEASE_READ, LEASE_WRITE, LEASE_READ | LEASE_WRITE]) };
      if (i === flawAt) {
        const bw = this.badWindow(U31);
        switch (r.int(0, 3)) {
          case 0:
            d.flags = r.pick([0, 4, 8, 0xff, 0x80000001]);
            break;
          case 1:
            d.part = r.pick(this.c.objects.filter((o) => o.type !== 'partition')).handle;
            break;
          case 2:
            d.part = this.deadHandle() >>> 0;
            break;
          default:
            d.part = bw.part >>> 0;
            d.off = bw.off >>> 0;
            d.len = bw.len >>> 0;
        }
      }
      encodeLeaseDesc(view, i * LEASE_DESC_SIZE, d);
    }
    if (opts.flaw && r.chance(0.2)) area = area.subarray(0, r.int(1, LEASE_DESC_SIZE - 1));
    return this.write(this.c.priv.handle, DESC + 2048 + r.int(0, 64) * 8, area);
  }

  /** A message for the victim or mortal server (op byte, argument, payload). */
  serverMessage(op: number, len?: number): Buf {
    const r = this.rng;
    const n = len ?? (r.chance(0.05) ? 0 : r.int(2, 200));
    const bytes = r.bytes(n);
    if (n > 0) bytes[0] = op;
    if (n > 1 && op === SERVER_OP.STATUS) bytes[1] = r.int(0, 200);
    const w = this.window(n, n > MSG_SPAN ? 'data' : 'msg');
    return this.write(w.part, w.off, bytes);
  }
}

function flat(...parts: (number | Buf)[]): number[] {
  return parts.flatMap((p) => (typeof p === 'number' ? [p] : [p.part, p.off, p.len]));
}

function call(b: Builder, category: Category, name: SyscallName, slots: number[]): Frame {
  return { kind: 'call', category, nr: SYSCALLS[name].nr, slots, writes: b.writes };
}

const VALID_MIX = {
  null: 4,
  yield: 2,
  sleep: 3,
  spi_transfer: 15,
  i2c_transfer: 10,
  spi_lock: 3,
  gpio_get: 3,
  gpio_set: 3,
  ipc_victim: 14,
  ipc_mortal: 3,
  obj_list: 3,
  mem_copy: 5,
} as const;

function validFrame(b: Builder, c: GenContext): Frame {
  const r = c.rng;
  const t = c.targets;
  if (c.lockHeld && (c.lockAge > 10 || r.chance(0.2))) return call(b, 'valid', 'spi_unlock', [t.spi.handle]);
  const which = r.weighted(VALID_MIX);
  switch (which) {
    case 'null':
    case 'yield':
      return call(b, 'valid', which, []);
    case 'sleep':
      return call(b, 'valid', 'sleep', [r.int(0, 300)]);
    case 'spi_transfer':
      return call(b, 'valid', 'spi_transfer', flat(t.spi.handle, b.spiDescs()));
    case 'i2c_transfer':
      return call(b, 'valid', 'i2c_transfer', flat(t.i2c.handle, b.i2cDescs()));
    case 'spi_lock':
      return call(b, 'valid', 'spi_lock', [t.spi.handle, r.int(30_000, 60_000)]);
    case 'gpio_get':
      return call(b, 'valid', 'gpio_get', [t.gpio]);
    case 'gpio_set':
      return call(b, 'valid', 'gpio_set', [t.gpio, r.int(0, 1)]);
    case 'ipc_victim':
    case 'ipc_mortal': {
      const ep = which === 'ipc_victim' ? t.victim : t.mortal;
      const op = r.weighted({ echo: 60, status: 10, read: 10, fill: 10, handles: 8, crash: which === 'ipc_victim' ? 1.5 : 0.15 });
      const code = { echo: SERVER_OP.ECHO, status: SERVER_OP.STATUS, read: SERVER_OP.READ_LEASES, fill: SERVER_OP.FILL_LEASES, handles: SERVER_OP.LEASE_HANDLES, crash: SERVER_OP.CRASH }[op];
      const msg = b.serverMessage(code);
      const reply = b.window(r.chance(0.9) ? 4096 : r.int(0, 256), 'msg');
      return call(b, 'valid', 'ipc_call', flat(ep, msg, reply, b.leaseDescs()));
    }
    case 'obj_list':
      return call(b, 'valid', 'obj_list', flat(b.window(r.chance(0.8) ? 4096 : r.int(0, 300), 'msg')));
    case 'mem_copy':
      return call(b, 'valid', 'mem_copy', flat(b.window(b.smallLen(2048)), b.window(b.smallLen(2048))));
  }
}

function epermFrame(b: Builder, c: GenContext): Frame {
  const r = c.rng;
  const t = c.targets;
  const spi = b.ungranted('spi_device');
  const i2c = b.ungranted('i2c_device');
  const line = b.ungranted('gpio');
  const ep = b.ungranted('endpoint');
  switch (r.int(0, 8)) {
    case 0:
      if (spi) return call(b, 'eperm', 'spi_transfer', flat(spi, b.spiDescs({ garbage: r.chance(0.3) })));
      break;
    case 1:
      if (i2c) return call(b, 'eperm', 'i2c_transfer', flat(i2c, b.i2cDescs()));
      break;
    case 2:
      if (line) return call(b, 'eperm', r.chance(0.5) ? 'gpio_get' : 'gpio_set', r.chance(0.5) ? [line] : [line, r.int(0, 1)]);
      break;
    case 3:
      if (spi) return call(b, 'eperm', r.chance(0.5) ? 'spi_lock' : 'spi_unlock', [spi, r.int(1, 60_000)]);
      break;
    case 4:
      if (ep) return call(b, 'eperm', 'ipc_call', flat(ep, b.serverMessage(SERVER_OP.ECHO), b.window(64, 'msg'), b.leaseDescs({ flaw: r.chance(0.3) })));
      break;
    case 5:
      return call(b, 'eperm', 'ipc_receive', flat(r.pick([t.victim, t.mortal, ep ?? t.victim]), b.window(64, 'msg'), b.window(68, 'msg')));
    case 6:
      return call(b, 'eperm', 'ipc_reply', flat(r.pick([t.victim, t.mortal, ep ?? t.victim]), r.int(1, 1000), b.window(8, 'msg'), r.int(-100, 100)));
    default:
      return call(b, 'eperm', 'i2c_transfer', flat(t.i2c.handle, b.i2cDescs({ outside: true })));
  }
  return call(b, 'eperm', 'i2c_transfer', flat(t.i2c.handle, b.i2cDescs({ outside: true })));
}

function refusedFrame(b: Builder, c: GenContext): Frame {
  const r = c.rng;
  const t = c.targets;
  switch (r.int(0, 6)) {
    case 0:
      return call(b, 'refused', 'spi_transfer', flat(t.spi.handle, b.spiDescs({ refuse: true })));
    case 1:
      return c.lockHeld ? call(b, 'refused', 'spi_lock', [t.spi.handle, 1000]) : call(b, 'refused', 'spi_unlock', [t.spi.handle]);
    case 2:
      return call(b, 'refused', 'obj_list', flat(b.window(r.int(0, 40), 'msg')));
    case 3: {
      // An echo whose reply does not fit the caller's reply buffer.
      const msg = b.serverMessage(SERVER_OP.ECHO, r.int(20, 300));
      return call(b, 'refused', 'ipc_call', flat(r.pick([t.victim, t.mortal]), msg, b.window(r.int(0, 19), 'msg'), { part: 0, off: 0, len: 0 }));
    }
    case 4: {
      // A message longer than the server's receive buffer.
      const msg = b.serverMessage(SERVER_OP.ECHO, c.serverMaxMsg + r.int(1, 4000));
      return call(b, 'refused', 'ipc_call', flat(t.victim, msg, b.window(64, 'msg'), { part: 0, off: 0, len: 0 }));
    }
    case 5:
      return call(b, 'refused', 'i2c_transfer', flat(t.i2c.handle, b.i2cDescs({ refuse: true })));
    default:
      return call(b, 'refused', 'ipc_call', flat(t.mortal, b.serverMessage(SERVER_OP.STATUS), b.window(64, 'msg'), { part: 0, off: 0, len: 0 }));
  }
}

function consoleFrame(b: Builder, c: GenContext): Frame {
  const r = c.rng;
  const enc = new TextEncoder();
  const text = (): Uint8Array => {
    switch (r.int(0, 3)) {
      case 0:
        return enc.encode(JSON.stringify({ fuzz: r.u32(), s: 'é✓' }));
      case 1:
        return enc.encode('{"unterminated": ');
      case 2:
        return Uint8Array.of(0xc3, 0x28, 0xff, 0xfe); // not UTF-8
      default:
        return enc.encode(String(r.u32()));
    }
  };
  const w = b.window(0, 'msg');
  const bytes = text();
  const buf = b.write(w.part, w.off, bytes);
  if (r.chance(0.5)) return call(b, 'console', 'report', flat(buf));
  return call(b, 'console', 'log', flat(r.chance(0.97) ? r.int(0, 3) : r.pick([4, -1, NaN, 1.5]), buf));
}

/** One argument of a declaration, well formed (or, for obj, own or ungranted). */
function plausibleArg(b: Builder, c: GenContext, a: ArgDecl): number[] {
  const r = c.rng;
  if (a.kind === 'int') return [Math.min(a.max, Math.max(a.min, a.name === 'usec' ? r.int(0, 200) : r.int(a.min, Math.min(a.max, a.min + 100))))];
  if (a.kind === 'obj') {
    const own = { spi_device: c.targets.spi.handle, i2c_device: c.targets.i2c.handle, gpio: c.targets.gpio, endpoint: c.targets.victim } as Record<string, number>;
    return [own[a.type] ?? b.ungranted(a.type) ?? c.self];
  }
  const w = b.window(Math.min(a.maxLen, b.smallLen(64)));
  return [w.part, w.off, w.len];
}

/** Exactly one rule broken: unknown number, a bad integer, a bad handle, a bad window, or a bad descriptor. */
function malformedFrame(b: Builder, c: GenContext): Frame {
  const r = c.rng;
  const t = c.targets;
  const kind = r.int(0, 5);
  if (kind === 0) {
    const nr = r.pick([MAX_SYSCALL + r.int(1, 1000), -1, NaN, 1.5, 2 ** 40, Infinity]);
    return { kind: 'call', category: 'malformed', nr, slots: Array.from({ length: r.int(0, MAX_WIRE_SLOTS) }, () => r.u32()), writes: b.writes };
  }
  if (kind === 1) return call(b, 'malformed', 'spi_transfer', flat(t.spi.handle, b.spiDescs({ flaw: true })));
  if (kind === 2) return call(b, 'malformed', 'i2c_transfer', flat(t.i2c.handle, b.i2cDescs({ flaw: true })));
  if (kind === 3) return call(b, 'malformed', 'ipc_call', flat(t.victim, b.serverMessage(SERVER_OP.ECHO), b.window(256, 'msg'), b.leaseDescs({ flaw: true })));
  // A syscall with one argument broken.
  const names = (Object.keys(SYSCALLS) as SyscallName[]).filter((n) => SYSCALLS[n].args.length > 0);
  const name = r.pick(names);
  const args = SYSCALLS[name].args;
  const bad = r.int(0, args.length - 1);
  const slots: number[] = [];
  args.forEach((a, i) => {
    if (i !== bad) slots.push(...plausibleArg(b, c, a));
    else if (a.kind === 'int') slots.push(r.chance(0.5) ? r.pick(BAD_INTS) : r.chance(0.5) ? a.max + r.int(1, 1000) : a.min - r.int(1, 1000));
    else if (a.kind === 'obj') slots.push(b.badHandle(a.type));
    else {
      const w = b.badWindow(a.maxLen);
      slots.push(w.part, w.off, w.len);
    }
  });
  return call(b, 'malformed', name, slots);
}

/** A well-formed call with slots missing at the end: the kernel reads whatever is there. */
function truncatedFrame(b: Builder, c: GenContext): Frame {
  const inner = c.rng.chance(0.5) ? validFrame(b, c) : epermFrame(b, c);
  if (inner.kind !== 'call' || inner.slots.length === 0) return inner;
  const keep = c.rng.int(0, inner.slots.length - 1);
  return c.transport === 'sync' ? { ...inner, category: 'truncated', truncateTo: keep } : { ...inner, category: 'truncated', slots: inner.slots.slice(0, keep), portShape: 'short' };
}

function oversizedFrame(b: Builder, c: GenContext): Frame {
  const inner = validFrame(b, c);
  if (inner.kind !== 'call') return inner;
  const r = c.rng;
  if (c.transport === 'port' && r.chance(0.5)) {
    // More slots than any syscall takes: the transport refuses the message.
    return { ...inner, category: 'oversized', slots: [...inner.slots, ...Array.from({ length: MAX_WIRE_SLOTS + r.int(1, 64) }, () => r.u32())], portShape: 'long' };
  }
  // Extra slots after the declared ones are not arguments: ignored.
  const room = MAX_WIRE_SLOTS - inner.slots.length;
  return { ...inner, category: 'oversized', slots: [...inner.slots, ...Array.from({ length: room }, () => r.pick([...BAD_INTS, r.u32()]))] };
}

function portGarbage(c: GenContext): Frame {
  const r = c.rng;
  const seq = r.u32();
  const options: [unknown, string][] = [
    [r.u32(), 'a number'],
    ['syscall', 'a string'],
    [null, 'null'],
    [{ nr: 0, slots: [] }, 'an object'],
    [[], 'an empty array'],
    [[seq], 'a sequence number alone'],
    [[seq, 0, 'x'], 'an array holding a string'],
    [[seq, 0, null], 'an array holding null'],
    [[seq, 0, [1, 2]], 'a nested array'],
    [[seq, undefined], 'an array holding undefined'],
    [[seq, 0, { valueOf: 1 }], 'an array holding an object'],
    [new Float64Array([seq, 0]), 'a typed array'],
    [[seq, 1n], 'a BigInt'],
    [[seq, true], 'a boolean'],
  ];
  const [message, note] = r.pick(options);
  return { kind: 'port-garbage', message, note };
}

function sparseFrame(b: Builder, c: GenContext): Frame {
  const inner = validFrame(b, c);
  if (inner.kind !== 'call') return inner;
  return { ...inner, category: 'malformed', portShape: 'sparse' };
}

function pageGarbage(c: GenContext): Frame {
  const r = c.rng;
  const slots = Array.from({ length: 1 + MAX_WIRE_SLOTS + 2 }, () => r.pick([...BAD_INTS, r.u32(), r.int(0, 64), -r.u32()]));
  // Any state but REQUEST (that would be a call); the thread restores IDLE afterwards.
  return { kind: 'page-garbage', state: r.pick([0, 2, 3, 4, 7, -1, 0x7fffffff]), slots, heartbeat: r.u32() | 0 };
}

function bootstrapFrame(c: GenContext): Frame {
  const r = c.rng;
  const options: [unknown, string | undefined, string][] = [
    [{ kind: 'fault', code: r.pick(['EPERM', 'EIO', 'ENOMEM', 'EINVAL']), reason: 'forged by the thread' }, 'named', 'a fault report with a known code'],
    [{ kind: 'fault', code: 'ENOTACODE', reason: 42 }, 'EFAULT', 'a fault report with an unknown code'],
    [{ kind: 'fault' }, 'EFAULT', 'a fault report with no code'],
    [{ kind: 'ready' }, undefined, 'a second ready message'],
    [{ kind: 'ses-cache', data: new Uint8Array(16) }, undefined, 'a code cache from an unconfined thread'],
    [{ kind: 'grant', object: { handle: 1 } }, undefined, 'a grant message'],
    [{ kind: 42 }, undefined, 'a numeric kind'],
    [null, undefined, 'null'],
    ['ready', undefined, 'a string'],
  ];
  const [message, how, note] = r.pick(options);
  const code = how === 'named' ? ((message as { code: string }).code) : how;
  return { kind: 'bootstrap', message, faultCode: code, note };
}

const MIX = {
  valid: 56,
  eperm: 13,
  refused: 9,
  console: 4,
  malformed: 0.6,
  truncated: 0.4,
  oversized: 1,
  pageGarbage: 4,
  race: 1.5,
  portGarbage: 0.2,
  sparse: 0.1,
  bootstrap: 0.05,
  memoryClaim: 0.015,
} as const;

/** Frame k of the run (the context's PRNG is the one for k). */
export function generateFrame(c: GenContext): Frame {
  const b = new Builder(c);
  const r = c.rng;
  const pick = r.weighted(MIX);
  switch (pick) {
    case 'valid':
      return validFrame(b, c);
    case 'eperm':
      return epermFrame(b, c);
    case 'refused':
      return refusedFrame(b, c);
    case 'console':
      return consoleFrame(b, c);
    case 'malformed':
      return malformedFrame(b, c);
    case 'truncated':
      return truncatedFrame(b, c);
    case 'oversized':
      return oversizedFrame(b, c);
    case 'pageGarbage':
      return pageGarbage(c);
    case 'race': {
      if (c.transport !== 'sync') return validFrame(b, c);
      // Garbage written while the kernel reads the request: only calls that change no state the
      // generator tracks (no locks, no IPC), so whatever the kernel makes of it, the run goes on.
      const name = r.pick(['null', 'obj_list', 'mem_copy', 'spi_transfer', 'i2c_transfer', 'gpio_get', 'log'] as const);
      const inner =
        name === 'spi_transfer'
          ? call(b, 'race', name, flat(c.targets.spi.handle, b.spiDescs()))
          : name === 'i2c_transfer'
            ? call(b, 'race', name, flat(c.targets.i2c.handle, b.i2cDescs()))
            : call(b, 'race', name, SYSCALLS[name].args.flatMap((a) => plausibleArg(b, c, a)));
      return { ...inner, race: true } as Frame;
    }
    case 'portGarbage':
      return c.transport === 'port' ? portGarbage(c) : malformedFrame(b, c);
    case 'sparse':
      return c.transport === 'port' ? sparseFrame(b, c) : malformedFrame(b, c);
    case 'bootstrap':
      return bootstrapFrame(c);
    case 'memoryClaim':
      return { kind: 'memory-claim' };
  }
}
