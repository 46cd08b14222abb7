/**
 * Kernel-mediated IPC: endpoints served by one user thread (or by an in-kernel server), called by
 * other threads or by the kernel API (the host library). Hubris-style synchronous
 * call/receive/reply, with leases.
 *
 * Message bytes are copied by the kernel from the caller into the server's receive window and
 * back, so neither side addresses the other's memory; they are small (a request header, a reply
 * struct). Bulk data travels in leases: windows of the caller's memory the server may name in its
 * own syscalls (an SPI rx buffer, `mem_copy`) until it replies, so read data goes from the bus
 * into the caller's buffer without a copy. A call in flight when its server dies fails with
 * EOWNERDEAD ("peer died"); calls still queued wait for the restarted server, or fail with ENODEV
 * when it will not come back. When a caller dies, its leases are revoked (ECONNRESET to the
 * server) and the reply is discarded.
 */
import { HilError } from '../abi/errno';
import { encodeLeaseEntries } from '../abi/lease';
import type { IpcResult } from '../abi/ipc-interface';
import type { EndpointObject, IpcCall, KernelLease, LeaseObject } from './kobjects';
import type { ObjectTable } from './objects';
import type { UserThread } from './thread';
import { Denied } from './verify';

export class IpcService {
  private nextToken = 1;
  private readonly endpoints = new Map<string, EndpointObject>();
  /** Message and reply bytes the kernel copied between callers and servers. */
  bytesCopied = 0;

  /**
   * `wake` is told when a call arrives for an endpoint nobody is receiving on: the kernel starts
   * a dormant server, and answers false when the server will never come back.
   */
  constructor(
    private readonly objects: ObjectTable,
    private readonly wake: (ep: EndpointObject) => boolean,
  ) {}

  createEndpoint(name: string): EndpointObject {
    if (this.endpoints.has(name)) throw new HilError('EEXIST', `endpoint ${name} already exists`);
    const ep = this.objects.insert<EndpointObject>({
      type: 'endpoint',
      name,
      handle: 0,
      server: undefined,
      inKernel: undefined,
      inbox: [],
      inflight: new Map(),
      receiver: undefined,
    });
    this.endpoints.set(name, ep);
    return ep;
  }

  endpoint(name: string): EndpointObject | undefined {
    return this.endpoints.get(name);
  }

  /**
   * Sends a message the caller no longer changes (the syscall handler copied it out of user
   * memory) and resolves with the server's result. Leases stay valid until the reply.
   */
  call(ep: EndpointObject, client: string, msg: Uint8Array, leases: readonly KernelLease[] = []): Promise<IpcResult> {
    if (ep.server === client) return Promise.reject(new HilError('EDEADLK', `${client} called its own endpoint ${ep.name}`));
    if (ep.inKernel) return ep.inKernel(msg, leases);
    if (ep.server === undefined) return Promise.reject(new HilError('ENODEV', `endpoint ${ep.name} has no server thread`));
    if (!ep.receiver && !this.wake(ep)) return Promise.reject(new HilError('ENODEV', `the server thread ${ep.server} of endpoint ${ep.name} has ended`));
    return new Promise<IpcResult>((resolve, reject) => {
      const call: IpcCall = {
        token: this.token(),
        client,
        msg,
        leases,
        leaseObjects: [],
        settle: (r) => (r instanceof HilError ? reject(r) : resolve(r)),
      };
      if (ep.receiver) this.deliver(ep, call);
      else ep.inbox.push(call);
    });
  }

  /** Waits for the next message; resolves with [length, client token] and fills `leaseInfo`. */
  receive(ep: EndpointObject, t: UserThread, buf: Uint8Array, leaseInfo: Uint8Array): Promise<[number, number]> {
    if (ep.server !== t.name) throw new Denied(`ipc_receive: ${t.name} does not serve endpoint ${ep.name}`);
    if (ep.receiver) return Promise.reject(new HilError('EBUSY', `${t.name} is already receiving on ${ep.name}`));
    return new Promise((resolve) => {
      ep.receiver = { thread: t, buf, leaseInfo, deliver: (call) => resolve([call.msg.length, call.token]) };
      const next = ep.inbox.shift();
      if (next) this.deliver(ep, next);
    });
  }

  /** Answers a call (its leases end); returns 0 or a negative errno for the server. */
  reply(ep: EndpointObject, t: UserThread, token: number, reply: Uint8Array, status: number): number {
    if (ep.server !== t.name) throw new Denied(`ipc_reply: ${t.name} does not serve endpoint ${ep.name}`);
    const call = ep.inflight.get(token);
    if (!call) return -new HilError('ENOENT', '').errno;
    ep.inflight.delete(token);
    this.endCall(call);
    this.bytesCopied += reply.length;
    call.settle({ reply: reply.slice(), status });
    return 0;
  }

  /** A server thread died: fail what it was handling; queued calls wait only if it restarts. */
  serverGone(thread: string, willRestart: boolean): void {
    for (const ep of this.endpoints.values()) {
      if (ep.server !== thread) continue;
      if (ep.receiver?.thread.name === thread) ep.receiver = undefined;
      for (const call of ep.inflight.values()) {
        this.endCall(call);
        call.settle(new HilError('EOWNERDEAD', `server thread ${thread} of endpoint ${ep.name} died while handling the call`));
      }
      ep.inflight.clear();
      if (!willRestart) {
        for (const call of ep.inbox.splice(0)) call.settle(new HilError('ENODEV', `server thread ${thread} of endpoint ${ep.name} is gone`));
      }
    }
  }

  /** A client thread died: drop its queued calls and revoke the leases of those in flight. */
  clientGone(thread: string): void {
    for (const ep of this.endpoints.values()) {
      for (let i = ep.inbox.length - 1; i >= 0; i--) if (ep.inbox[i]!.client === thread) ep.inbox.splice(i, 1);
      for (const call of ep.inflight.values()) {
        if (call.client === thread) for (const l of call.leaseObjects) l.revoked = true;
      }
    }
  }

  private deliver(ep: EndpointObject, call: IpcCall): void {
    const rx = ep.receiver!;
    if (call.msg.length > rx.buf.length) {
      call.settle(new HilError('EMSGSIZE', `message of ${call.msg.length} bytes exceeds ${ep.name}'s receive buffer of ${rx.buf.length}`));
      return;
    }
    ep.receiver = undefined;
    rx.buf.set(call.msg);
    this.bytesCopied += call.msg.length;
    call.leaseObjects = call.leases.map((l, i) =>
      this.objects.insert<LeaseObject>({
        type: 'lease',
        name: `lease ${i} of call ${call.token} to ${ep.name}`,
        handle: 0,
        bytes: l.bytes,
        flags: l.flags,
        borrower: rx.thread,
        revoked: false,
      }),
    );
    encodeLeaseEntries(
      rx.leaseInfo,
      call.leaseObjects.map((o) => ({ handle: o.handle, len: o.bytes.length, flags: o.flags })),
    );
    ep.inflight.set(call.token, call);
    rx.deliver(call);
  }

  /** The call is over: its lease handles stop resolving. */
  private endCall(call: IpcCall): void {
    for (const o of call.leaseObjects) this.objects.remove(o);
    call.leaseObjects = [];
  }

  private token(): number {
    const t = this.nextToken;
    this.nextToken = this.nextToken >= 0x7fffffff ? 1 : this.nextToken + 1;
    return t;
  }
}
