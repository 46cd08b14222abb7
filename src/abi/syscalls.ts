/**
 * The syscall ABI: every syscall's number, name and argument schema, declared once.
 *
 * Both sides import this table and nothing else of each other. User-side stubs derive their
 * argument types from it (`SyscallArgs<'spi_transfer'>`), every transport flattens arguments
 * by it (`flattenArgs`), and the kernel's generic verifier walks it before any handler runs. It
 * holds no state: adding a syscall means adding one entry here and one handler in the kernel.
 *
 * Argument kinds:
 * - `obj`: an opaque handle to a kernel object of one type; the caller must hold a grant.
 * - `int`: an integer in [min, max] (a NaN, a fraction or an out-of-range value is a fault).
 * - `buf`: a window of memory the caller may use, three slots on the wire (handle, offset,
 *   length). The handle names a partition of the caller's memory domain, or a lease another
 *   thread lent the caller for the call it is serving. `in` buffers are read by the kernel (a
 *   lease must allow reading), `out` buffers written (a lease must allow writing).
 */

export type ObjectType = 'spi_device' | 'i2c_device' | 'gpio' | 'partition' | 'lease' | 'thread' | 'endpoint';

export interface ObjArg { readonly kind: 'obj'; readonly name: string; readonly type: ObjectType }
export interface IntArg { readonly kind: 'int'; readonly name: string; readonly min: number; readonly max: number }
export interface BufArg {
  readonly kind: 'buf';
  readonly name: string;
  readonly dir: 'in' | 'out';
  /** Largest window the kernel accepts for this argument; a longer one is a malformed call. */
  readonly maxLen: number;
}
export type ArgDecl = ObjArg | IntArg | BufArg;

export interface SyscallDecl {
  readonly nr: number;
  readonly args: readonly ArgDecl[];
  readonly doc: string;
}

const obj = <T extends ObjectType>(name: string, type: T): ObjArg & { readonly type: T } => ({ kind: 'obj', name, type });
const int = (name: string, min: number, max: number): IntArg => ({ kind: 'int', name, min, max });
const buf = (name: string, dir: 'in' | 'out', maxLen: number): BufArg => ({ kind: 'buf', name, dir, maxLen });

/** Wire size of one SPI transfer descriptor (see abi/spi.ts), modelled on spidev's 32 bytes. */
export const SPI_XFER_DESC_SIZE = 32;
/** Most transfers in one SPI transaction; spidev itself rejects 512. */
export const SPI_MAX_XFERS = 64;
/** Wire size of one I2C message descriptor (see abi/i2c.ts). */
export const I2C_MSG_DESC_SIZE = 16;
export const I2C_MAX_MSGS = 16;
/** Largest IPC message or reply, copied by the kernel. Bulk data travels in leases instead. */
export const IPC_MAX_MSG = 64 * 1024;
/** Wire size of one lease descriptor and of one lease entry a server receives (see abi/lease.ts). */
export const LEASE_DESC_SIZE = 16;
/** Most leases one IPC call may lend. */
export const IPC_MAX_LEASES = 4;
/** Largest `report` payload (UTF-8 JSON) and `log` line. */
export const REPORT_MAX = 64 * 1024;
export const LOG_MAX = 4 * 1024;
/** Largest single `mem_copy`. */
export const MEM_COPY_MAX = 16 * 1024 * 1024;
export const U31 = 0x7fffffff;

export const SYSCALLS = {
  null: { nr: 0, args: [], doc: 'Does nothing and returns 0: measures the cost of the syscall path itself.' },
  spi_transfer: {
    nr: 1,
    args: [obj('dev', 'spi_device'), buf('xfers', 'in', SPI_MAX_XFERS * SPI_XFER_DESC_SIZE)],
    doc: 'One SPI transaction: the transfer descriptors in `xfers` run with chip select held (unless a descriptor sets cs_change).',
  },
  spi_lock: {
    nr: 2,
    args: [obj('dev', 'spi_device'), int('timeout_ms', 1, 60_000)],
    doc: "Holds the device's bus across several transactions; the kernel faults a holder that keeps it past timeout_ms.",
  },
  spi_unlock: { nr: 3, args: [obj('dev', 'spi_device')], doc: 'Releases a bus held by spi_lock.' },
  i2c_transfer: {
    nr: 4,
    args: [obj('dev', 'i2c_device'), buf('msgs', 'in', I2C_MAX_MSGS * I2C_MSG_DESC_SIZE)],
    doc: 'One I2C transfer of several messages to the device address (repeated start between them where the bus can).',
  },
  gpio_get: { nr: 5, args: [obj('line', 'gpio')], doc: 'Returns the logical level of a GPIO line (1 = asserted).' },
  gpio_set: { nr: 6, args: [obj('line', 'gpio'), int('value', 0, 1)], doc: 'Drives a GPIO line (logical level, 1 = asserted).' },
  sleep: { nr: 7, args: [int('usec', 0, 10_000_000)], doc: 'Blocks the calling thread for usec microseconds.' },
  yield: { nr: 8, args: [], doc: 'Gives the kernel a turn; returns 0.' },
  ipc_call: {
    nr: 9,
    args: [obj('ep', 'endpoint'), buf('msg', 'in', IPC_MAX_MSG), buf('reply', 'out', IPC_MAX_MSG), buf('leases', 'in', IPC_MAX_LEASES * LEASE_DESC_SIZE)],
    doc: "Sends msg to the endpoint's server, lending it the windows described in `leases` for the length of the call, and blocks for its reply; returns the reply's length (r1: the server's status).",
  },
  ipc_receive: {
    nr: 10,
    args: [obj('ep', 'endpoint'), buf('msg', 'out', IPC_MAX_MSG), buf('leases', 'out', 4 + IPC_MAX_LEASES * LEASE_DESC_SIZE)],
    doc: 'Blocks for the next message to an endpoint the caller serves; returns its length (r1: a client token for ipc_reply) and describes the lent windows in `leases`.',
  },
  ipc_reply: {
    nr: 11,
    args: [obj('ep', 'endpoint'), int('client', 1, U31), buf('reply', 'in', IPC_MAX_MSG), int('status', -4095, U31)],
    doc: "Answers the message identified by the client token; the call's leases end.",
  },
  obj_list: {
    nr: 12,
    args: [buf('out', 'out', 64 * 1024)],
    doc: "Writes a JSON list of the caller's own grants and partitions into out; returns its length.",
  },
  mem_copy: {
    nr: 13,
    args: [buf('dst', 'out', MEM_COPY_MAX), buf('src', 'in', MEM_COPY_MAX)],
    doc: 'Copies min(dst, src) bytes between two windows the caller may use (its partitions, the leases it holds); returns the count.',
  },
  report: {
    nr: 14,
    args: [buf('data', 'in', REPORT_MAX)],
    doc: "Sends a UTF-8 JSON value to the kernel's `report` event (results of test and benchmark programs); rate-limited: -EAGAIN when over.",
  },
  log: {
    nr: 15,
    args: [int('level', 0, 3), buf('text', 'in', LOG_MAX)],
    doc: "A line of the program's console (0 debug, 1 info, 2 warn, 3 error) to the kernel's `log` event; rate-limited: -EAGAIN when over.",
  },
} as const satisfies Record<string, SyscallDecl>;

export type SyscallName = keyof typeof SYSCALLS;

/** A window as a user thread names it: partition or lease handle, byte offset, byte length. */
export interface BufRef { readonly part: number; readonly off: number; readonly len: number }

/** The empty window (no handle): for optional buffers such as an IPC call without leases. */
export const NO_BUF: BufRef = Object.freeze({ part: 0, off: 0, len: 0 });

type ValueOf<A extends ArgDecl> = A extends { kind: 'buf' } ? BufRef : number;
type ValuesOf<T extends readonly ArgDecl[]> = { [K in keyof T]: T[K] extends ArgDecl ? ValueOf<T[K]> : never };

/** The typed argument tuple of a syscall, derived from its declaration. */
export type SyscallArgs<N extends SyscallName> = ValuesOf<(typeof SYSCALLS)[N]['args']>;

/** Number of wire slots (float64 words) a syscall's arguments take. */
export function wireSlots(decl: SyscallDecl): number {
  return decl.args.reduce((n, a) => n + (a.kind === 'buf' ? 3 : 1), 0);
}

/** Most wire slots any syscall takes: the size of the argument area of a syscall page. */
export const MAX_WIRE_SLOTS = Math.max(...Object.values(SYSCALLS).map((d) => wireSlots(d)));

/** Flattens typed arguments into wire slots, in declaration order. */
export function flattenArgs(decl: SyscallDecl, args: readonly (number | BufRef)[]): number[] {
  const out: number[] = [];
  decl.args.forEach((a, i) => {
    const v = args[i];
    if (a.kind === 'buf') {
      const b = v as BufRef;
      out.push(b.part, b.off, b.len);
    } else {
      out.push(v as number);
    }
  });
  return out;
}

const BY_NR: ReadonlyMap<number, [SyscallName, SyscallDecl]> = new Map(
  (Object.entries(SYSCALLS) as [SyscallName, SyscallDecl][]).map(([name, d]) => [d.nr, [name, d]]),
);

export function syscallByNumber(nr: number): [SyscallName, SyscallDecl] | undefined {
  return BY_NR.get(nr);
}
