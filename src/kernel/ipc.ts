/**
 * Kernel-mediated IPC: endpoints served by one user thread, called by other threads or by the
 * kernel API (the host side of `openEeprom`). Hubris-style synchronous call/receive/reply.
 *
 * Message bytes are copied by the kernel from the caller's window into the server's receive
 * window and back, so neither side ever addresses the other's memory. A call in flight when its
 * server dies fails with EOWNERDEAD ("peer died"); calls still queued wait for the restarted
 * server, or fail with ENODEV when it will not come back.
 */
import { HilError } from '../abi/errno';
import type { EndpointObject, IpcCall } from './kobjects';
import type { ObjectTable } from './objects';
import { Denied } from './verify';

export interface IpcReply {
  readonly reply: Uint8Array;
  readonly status: number;
}

export class IpcService {
  private nextToken = 1;
  private readonly endpoints: EndpointObject[] = [];

  constructor(private readonly objects: ObjectTable) {}

  createEndpoint(name: string, server: string | undefined): EndpointObject {
    const ep = this.objects.insert<EndpointObject>({
      type: 'endpoint',
      name,
      handle: 0,
      server,
      inbox: [],
      inflight: new Map(),
      receiver: undefined,
    });
    this.endpoints.push(ep);
    return ep;
  }

  endpoint(name: string): EndpointObject | undefined {
    return this.endpoints.find((e) => e.name === name);
  }

  /** Sends a message (already copied by the caller) and resolves with the server's reply. */
  call(ep: EndpointObject, client: string, msg: Uint8Array): Promise<IpcReply> {
    if (ep.server === client) return Promise.reject(new HilError('EDEADLK', `${client} called its own endpoint ${ep.name}`));
    if (ep.server === undefined) return Promise.reject(new HilError('ENODEV', `endpoint ${ep.name} has no server thread`));
    return new Promise<IpcReply>((resolve, reject) => {
      const call: IpcCall = {
        token: this.token(),
        client,
        msg,
        settle: (r) => (r instanceof HilError ? reject(r) : resolve(r)),
      };
      if (ep.receiver) this.deliver(ep, call);
      else ep.inbox.push(call);
    });
  }

  /** Waits for the next message; resolves with [length, client token]. */
  receive(ep: EndpointObject, thread: string, buf: Uint8Array): Promise<[number, number]> {
    if (ep.server !== thread) throw new Denied(`ipc_receive: ${thread} does not serve endpoint ${ep.name}`);
    if (ep.receiver) return Promise.reject(new HilError('EBUSY', `${thread} is already receiving on ${ep.name}`));
    return new Promise((resolve) => {
      ep.receiver = {
        thread,
        buf,
        deliver: (call) => resolve([call.msg.length, call.token]),
      };
      const next = ep.inbox.shift();
      if (next) this.deliver(ep, next);
    });
  }

  /** Answers a call; returns 0 or a negative errno for the server. */
  reply(ep: EndpointObject, thread: string, token: number, reply: Uint8Array, status: number): number {
    if (ep.server !== thread) throw new Denied(`ipc_reply: ${thread} does not serve endpoint ${ep.name}`);
    const call = ep.inflight.get(token);
    if (!call) return -new HilError('ENOENT', '').errno;
    ep.inflight.delete(token);
    call.settle({ reply: reply.slice(), status });
    return 0;
  }

  /** A server thread died: fail what it was handling; queued calls wait only if it restarts. */
  serverGone(thread: string, willRestart: boolean): void {
    for (const ep of this.endpoints) {
      if (ep.server !== thread) continue;
      if (ep.receiver?.thread === thread) ep.receiver = undefined;
      for (const call of ep.inflight.values()) {
        call.settle(new HilError('EOWNERDEAD', `server thread ${thread} of endpoint ${ep.name} died while handling the call`));
      }
      ep.inflight.clear();
      if (!willRestart) {
        for (const call of ep.inbox.splice(0)) call.settle(new HilError('ENODEV', `server thread ${thread} of endpoint ${ep.name} is gone`));
      }
    }
  }

  /** A client thread died: drop its queued calls (replies to in-flight ones are discarded). */
  clientGone(thread: string): void {
    for (const ep of this.endpoints) {
      for (let i = ep.inbox.length - 1; i >= 0; i--) if (ep.inbox[i]!.client === thread) ep.inbox.splice(i, 1);
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
    ep.inflight.set(call.token, call);
    rx.deliver(call);
  }

  private token(): number {
    const t = this.nextToken;
    this.nextToken = this.nextToken >= 0x7fffffff ? 1 : this.nextToken + 1;
    return t;
  }
}
