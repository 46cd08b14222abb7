/**
 * IPC for user programs: a server loop for an endpoint the thread serves, a client call that can
 * lend buffers, and both ends of an interface declared with abi/ipc-interface.ts
 * (`serveInterface`, `connect`).
 *
 * A handler's error becomes the reply's status (-errno) with the message text as the payload, so
 * the caller receives the same HilError the server saw.
 */
import { HilError } from '../abi/errno';
import {
  type Client,
  type ClientLease,
  errorResult,
  type Implementation,
  type InterfaceDecl,
  type IpcResult,
  makeClient,
  makeDispatcher,
  replyError,
} from '../abi/ipc-interface';
import { decodeLeaseEntries, encodeLeaseDesc, LEASE_DESC_SIZE, leaseFlags } from '../abi/lease';
import { IPC_MAX_LEASES, NO_BUF } from '../abi/syscalls';
import { Lease } from './lease';
import type { UserRuntime } from './runtime';

export type { IpcResult } from '../abi/ipc-interface';

export type IpcHandler = (msg: Uint8Array, leases: readonly Lease[]) => Promise<IpcResult>;

/** Default size of the receive and reply buffers of a server: messages are small, data is lent. */
export const DEFAULT_MAX_MSG = 4096;

/** Serves an endpoint forever (until the thread is stopped). */
export async function serve(rt: UserRuntime, endpoint: string, handler: IpcHandler, maxMsg = DEFAULT_MAX_MSG): Promise<never> {
  const ep = rt.endpoint(endpoint);
  const rx = rt.memory.alloc(maxMsg);
  const tx = rt.memory.alloc(maxMsg);
  const info = rt.memory.alloc(4 + IPC_MAX_LEASES * LEASE_DESC_SIZE);
  for (;;) {
    const [len, token] = await rt.sys.call('ipc_receive', ep, rt.memory.ref(rx)!, rt.memory.ref(info)!);
    const leases = decodeLeaseEntries(info).map((e) => Lease.of(e));
    let result: IpcResult;
    try {
      result = await handler(rx.slice(0, len), leases);
    } catch (e) {
      result = errorResult(e);
    }
    const n = Math.min(result.reply.length, tx.length);
    tx.set(result.reply.subarray(0, n));
    await rt.sys.call('ipc_reply', ep, token, n > 0 ? rt.memory.ref(tx.subarray(0, n))! : NO_BUF, result.status);
  }
}

/**
 * Calls an endpoint this thread was granted (`calls` in its spec), lending `leases` to the server
 * for the length of the call; resolves with the reply payload. Lent buffers should come from
 * `rt.memory.alloc` (they are lent in place); others are bounced through scratch if they fit.
 */
export async function call(rt: UserRuntime, endpoint: string, msg: Uint8Array, leases: readonly ClientLease<Uint8Array>[] = [], maxReply = DEFAULT_MAX_MSG): Promise<Uint8Array> {
  const ep = rt.endpoint(endpoint);
  if (leases.length > IPC_MAX_LEASES) throw new HilError('EINVAL', `${leases.length} leases in one call; at most ${IPC_MAX_LEASES}`);
  const mem = rt.memory;
  return mem.withScratch(async () => {
    const out = mem.scratch(msg.length);
    out.set(msg);
    const rep = mem.scratch(maxReply);
    const descs = mem.scratch(leases.length * LEASE_DESC_SIZE);
    const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
    const copyBack: [Uint8Array, Uint8Array][] = [];
    leases.forEach((l, i) => {
      let ref = mem.ref(l.buf);
      if (!ref) {
        const bounce = mem.scratch(l.buf.length);
        if (l.access === 'read') bounce.set(l.buf);
        else copyBack.push([bounce, l.buf]);
        ref = mem.ref(bounce)!;
      }
      encodeLeaseDesc(view, i * LEASE_DESC_SIZE, { part: ref.part, off: ref.off, len: ref.len, flags: leaseFlags(l.access) });
    });
    const [len, status] = await rt.sys.call('ipc_call', ep, mem.ref(out)!, mem.ref(rep)!, leases.length ? mem.ref(descs)! : NO_BUF);
    const reply = rep.slice(0, len);
    if (status < 0) throw replyError(status, reply);
    for (const [bounce, target] of copyBack) target.set(bounce);
    return reply;
  });
}

/** Serves an interface declared with `defineInterface` on an endpoint, forever. */
export function serveInterface<I extends InterfaceDecl>(rt: UserRuntime, endpoint: string, iface: I, impl: Implementation<I, Lease>): Promise<never> {
  return serve(rt, endpoint, makeDispatcher(iface, impl));
}

/** The client stub of an interface served on an endpoint this thread may call. */
export function connect<I extends InterfaceDecl>(rt: UserRuntime, endpoint: string, iface: I): Client<I, Uint8Array> {
  return makeClient(iface, (msg, leases) => call(rt, endpoint, msg, leases));
}
