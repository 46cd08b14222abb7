/**
 * IPC for user programs: a server loop for an endpoint the thread serves, and a client call.
 *
 * A handler's error becomes the reply's status (-errno) with the message text as the payload, so
 * the caller receives the same HilError the server saw.
 */
import { HilError, toHilError } from '../abi/errno';
import { IPC_MAX_MSG } from '../abi/syscalls';
import type { UserRuntime } from './runtime';

export interface IpcResult {
  readonly status: number;
  readonly reply: Uint8Array;
}

export type IpcHandler = (msg: Uint8Array) => Promise<IpcResult>;

/** Serves an endpoint forever (until the thread is stopped). */
export async function serve(rt: UserRuntime, endpoint: string, handler: IpcHandler, maxMsg = IPC_MAX_MSG): Promise<never> {
  const ep = rt.endpoint(endpoint);
  const rx = rt.memory.alloc(maxMsg);
  const tx = rt.memory.alloc(maxMsg);
  for (;;) {
    const [len, token] = await rt.sys.call('ipc_receive', ep, rt.memory.ref(rx)!);
    let result: IpcResult;
    try {
      result = await handler(rx.slice(0, len));
    } catch (e) {
      result = errorResult(e);
    }
    const n = Math.min(result.reply.length, tx.length);
    tx.set(result.reply.subarray(0, n));
    await rt.sys.call('ipc_reply', ep, token, rt.memory.ref(tx.subarray(0, n)) ?? { part: 0, off: 0, len: 0 }, result.status);
  }
}

export function errorResult(e: unknown): IpcResult {
  const err = toHilError(e);
  return { status: -err.errno, reply: new Uint8Array(Buffer.from(`${err.code}\n${err.message}`, 'utf8')) };
}

/** Turns a reply with a negative status back into the HilError the server raised. */
export function replyError(status: number, reply: Uint8Array): HilError {
  const text = Buffer.from(reply).toString('utf8');
  const nl = text.indexOf('\n');
  const o = nl > 0 ? { code: text.slice(0, nl), message: text.slice(nl + 1) } : { code: 'EIO', message: text || `status ${status}` };
  return HilError.fromJSON(o);
}

/** Calls an endpoint this thread was granted; resolves with the reply payload. */
export async function call(rt: UserRuntime, endpoint: string, msg: Uint8Array, maxReply = IPC_MAX_MSG): Promise<Uint8Array> {
  const ep = rt.endpoint(endpoint);
  return rt.memory.withScratch(async () => {
    const out = rt.memory.scratch(msg.length);
    out.set(msg);
    const rep = rt.memory.scratch(Math.min(maxReply, 32 * 1024));
    const [len, status] = await rt.sys.call('ipc_call', ep, rt.memory.ref(out)!, rt.memory.ref(rep)!);
    const reply = rep.slice(0, len);
    if (status < 0) throw replyError(status, reply);
    return reply;
  });
}
