/**
 * IPC interfaces declared once: a service's operations, each with its code, fixed-layout
 * arguments, the leases the caller lends (by name, with the access the server gets and the
 * argument that gives their length) and its fixed-layout reply. From one declaration come the
 * client stub (`makeClient`), the server dispatch (`makeDispatcher`) and every check between
 * them, so the two ends cannot drift apart (the idea of Hubris's interface definitions, done as
 * a typed table, as abi/syscalls.ts does for syscalls). Hand-written because no library derives
 * typed stubs, binary layouts and lease checks from one table; the whole is about 150 lines.
 *
 * Wire format: request = u8 op code, then the arguments in declaration order, little-endian, no
 * padding; reply = the reply fields likewise. A failure is a negative status (-errno) and the
 * UTF-8 text "CODE\nmessage", turned back into the same HilError on the caller's side.
 */
import { type ErrnoCode, HilError, isErrnoCode, toHilError } from './errno';
import type { LeaseAccess } from './lease';

export type FieldType = 'u8' | 'u16' | 'u32';

export interface FieldDecl {
  readonly name: string;
  readonly type: FieldType;
  /** Largest value accepted (default: the type's maximum). */
  readonly max?: number;
}

export interface LeaseDecl {
  readonly name: string;
  /** What the server may do with the caller's window: read it (data in) or write it (data out). */
  readonly access: LeaseAccess;
  /** The lease must be exactly as long as this argument says. */
  readonly lengthArg?: string;
}

export interface OpDecl {
  readonly code: number;
  readonly args: readonly FieldDecl[];
  readonly leases: readonly LeaseDecl[];
  readonly reply: readonly FieldDecl[];
  readonly doc: string;
}

export interface InterfaceDecl {
  readonly name: string;
  readonly ops: { readonly [op: string]: OpDecl };
}

type FieldValues<F extends readonly FieldDecl[]> = { readonly [K in F[number] as K['name']]: number };
type LeaseValues<L extends readonly LeaseDecl[], B> = { readonly [K in L[number] as K['name']]: B };

export type OpName<I extends InterfaceDecl> = keyof I['ops'] & string;
export type OpArgs<I extends InterfaceDecl, N extends OpName<I>> = FieldValues<I['ops'][N]['args']>;
export type OpReply<I extends InterfaceDecl, N extends OpName<I>> = FieldValues<I['ops'][N]['reply']>;
export type OpLeases<I extends InterfaceDecl, N extends OpName<I>, B> = LeaseValues<I['ops'][N]['leases'], B>;

/** Declares an interface; `const` keeps the literal names so the derived types are exact. */
export function defineInterface<const I extends InterfaceDecl>(decl: I): I {
  const codes = new Set<number>();
  for (const [name, op] of Object.entries(decl.ops)) {
    if (codes.has(op.code)) throw new HilError('EINVAL', `interface ${decl.name}: op ${name} reuses code ${op.code}`);
    codes.add(op.code);
  }
  return decl;
}

const SIZE: Readonly<Record<FieldType, number>> = { u8: 1, u16: 2, u32: 4 };
const MAX: Readonly<Record<FieldType, number>> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

function layoutSize(fields: readonly FieldDecl[]): number {
  return fields.reduce((n, f) => n + SIZE[f.type], 0);
}

function putFields(view: DataView, at: number, fields: readonly FieldDecl[], values: Readonly<Record<string, number>>, what: string): void {
  for (const f of fields) {
    const v = values[f.name];
    const max = f.max ?? MAX[f.type];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new HilError('EINVAL', `${what}: ${f.name} ${String(v)} must be an integer in 0..${max}`);
    }
    if (f.type === 'u8') view.setUint8(at, v);
    else if (f.type === 'u16') view.setUint16(at, v, true);
    else view.setUint32(at, v, true);
    at += SIZE[f.type];
  }
}

function getFields(view: DataView, at: number, fields: readonly FieldDecl[], what: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) {
    const v = f.type === 'u8' ? view.getUint8(at) : f.type === 'u16' ? view.getUint16(at, true) : view.getUint32(at, true);
    if (f.max !== undefined && v > f.max) throw new HilError('EINVAL', `${what}: ${f.name} ${v} exceeds ${f.max}`);
    out[f.name] = v;
    at += SIZE[f.type];
  }
  return out;
}

function opByCode(iface: InterfaceDecl, code: number): [string, OpDecl] | undefined {
  for (const e of Object.entries(iface.ops)) if (e[1].code === code) return e;
  return undefined;
}

/** The result a server hands back for one message: a status (0 or -errno) and reply bytes. */
export interface IpcResult {
  readonly status: number;
  readonly reply: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A handler's failure as a reply: -errno and "CODE\nmessage", so the caller gets the same error. */
export function errorResult(e: unknown): IpcResult {
  const err = toHilError(e);
  return { status: -err.errno, reply: encoder.encode(`${err.code}\n${err.message}`) };
}

/** Turns a reply with a negative status back into the HilError the server raised. */
export function replyError(status: number, reply: Uint8Array): HilError {
  const text = decoder.decode(reply);
  const nl = text.indexOf('\n');
  const code = nl > 0 ? text.slice(0, nl) : '';
  const message = nl > 0 ? text.slice(nl + 1) : text || `server status ${status}`;
  return new HilError(isErrnoCode(code) ? (code as ErrnoCode) : 'EIO', message);
}

/** What a client lends for one call: the buffer and what the server may do with it. */
export interface ClientLease<B> {
  readonly buf: B;
  readonly access: LeaseAccess;
}

/** Sends one request with its leases; resolves with the reply bytes or throws the server's error. */
export type IpcSend<B> = (msg: Uint8Array, leases: readonly ClientLease<B>[]) => Promise<Uint8Array>;

export type Client<I extends InterfaceDecl, B> = {
  readonly [N in OpName<I>]: (args: OpArgs<I, N>, leases: OpLeases<I, N, B>) => Promise<OpReply<I, N>>;
};

/** The client stub of an interface over any transport that can lend buffers of type B. */
export function makeClient<I extends InterfaceDecl, B>(iface: I, send: IpcSend<B>): Client<I, B> {
  const client: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(iface.ops)) {
    const what = `${iface.name}.${name}`;
    const size = 1 + layoutSize(op.args);
    client[name] = async (args: Readonly<Record<string, number>>, leases: Readonly<Record<string, B>>): Promise<Record<string, number>> => {
      const msg = new Uint8Array(size);
      const view = new DataView(msg.buffer);
      view.setUint8(0, op.code);
      putFields(view, 1, op.args, args, what);
      const lent = op.leases.map((l) => {
        const b = leases[l.name];
        if (b === undefined) throw new HilError('EINVAL', `${what}: lease ${l.name} is missing`);
        return { buf: b, access: l.access };
      });
      const reply = await send(msg, lent);
      if (reply.length !== layoutSize(op.reply)) {
        throw new HilError('EPROTO', `${what}: reply of ${reply.length} bytes, expected ${layoutSize(op.reply)}`);
      }
      return getFields(new DataView(reply.buffer, reply.byteOffset, reply.byteLength), 0, op.reply, what);
    };
  }
  return client as Client<I, B>;
}

/** What a server knows of a lease it was lent: its length and what it may do with it. */
export interface ServerLease {
  readonly length: number;
  readonly readable: boolean;
  readonly writable: boolean;
}

export type Implementation<I extends InterfaceDecl, L> = {
  readonly [N in OpName<I>]: (args: OpArgs<I, N>, leases: OpLeases<I, N, L>) => Promise<OpReply<I, N>>;
};

/**
 * The server dispatch of an interface: decodes and checks a request (known op, exact size,
 * argument ranges, the declared leases with the right access and length), calls the
 * implementation, encodes its reply; any failure becomes an error reply.
 */
export function makeDispatcher<I extends InterfaceDecl, L extends ServerLease>(
  iface: I,
  impl: Implementation<I, L>,
): (msg: Uint8Array, leases: readonly L[]) => Promise<IpcResult> {
  return async (msg, leases) => {
    try {
      if (msg.length < 1) throw new HilError('EINVAL', `${iface.name}: empty request`);
      const found = opByCode(iface, msg[0]!);
      if (!found) throw new HilError('ENOSYS', `${iface.name}: unknown operation ${msg[0]}`);
      const [name, op] = found;
      const what = `${iface.name}.${name}`;
      if (msg.length !== 1 + layoutSize(op.args)) {
        throw new HilError('EINVAL', `${what}: request of ${msg.length} bytes, expected ${1 + layoutSize(op.args)}`);
      }
      const args = getFields(new DataView(msg.buffer, msg.byteOffset, msg.byteLength), 1, op.args, what);
      if (leases.length !== op.leases.length) {
        throw new HilError('EINVAL', `${what}: ${leases.length} leases lent, the operation takes ${op.leases.length}`);
      }
      const named: Record<string, L> = {};
      op.leases.forEach((d, i) => {
        const l = leases[i]!;
        if (d.access === 'read' ? !l.readable : !l.writable) {
          throw new HilError('EINVAL', `${what}: lease ${d.name} must let the server ${d.access} it`);
        }
        if (d.lengthArg !== undefined && l.length !== args[d.lengthArg]) {
          throw new HilError('EINVAL', `${what}: lease ${d.name} is ${l.length} bytes, ${d.lengthArg} says ${args[d.lengthArg]}`);
        }
        named[d.name] = l;
      });
      const handler = (impl as unknown as Record<string, (a: unknown, l: unknown) => Promise<Readonly<Record<string, number>>>>)[name]!;
      const out = await handler(args, named);
      const reply = new Uint8Array(layoutSize(op.reply));
      putFields(new DataView(reply.buffer), 0, op.reply, out, `${what} reply`);
      return { status: 0, reply };
    } catch (e) {
      return errorResult(e);
    }
  };
}
