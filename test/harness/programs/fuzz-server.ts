/**
 * The fuzzer's IPC servers (confined, like any driver): the "victim", which the fault policy
 * restarts after it dies, and the "mortal", which is never restarted. Both speak the small
 * protocol the oracle predicts (fuzz/world.ts SERVER_OP): echo the message reversed, die while
 * handling the call, reply with a status, echo the readable leases, fill the writable leases,
 * or hand back the lease handles (which the caller then tries after the call has ended).
 */
import { HilError } from '../../../src/abi/errno';
import { serve } from '../../../src/user/ipc';
import type { Lease } from '../../../src/user/lease';
import type { UserRuntime } from '../../../src/user/runtime';
import { SERVER_MAX_REPLY, SERVER_OP } from '../fuzz/world';

export async function main(rt: UserRuntime): Promise<void> {
  const endpoint = rt.serves[0];
  if (endpoint === undefined) throw new HilError('EINVAL', 'fuzz-server serves one endpoint');
  const staging = rt.memory.alloc(SERVER_MAX_REPLY);
  await serve(rt, endpoint, async (msg: Uint8Array, leases: readonly Lease[]) => {
    const op = msg.length > 0 ? msg[0]! : SERVER_OP.ECHO;
    const arg = msg.length > 1 ? msg[1]! : 0;
    switch (op) {
      case SERVER_OP.CRASH:
        // Dies while the call is in flight: the caller gets EOWNERDEAD.
        void Promise.reject(new Error('fuzz server: crashing on request'));
        return new Promise<never>(() => undefined);
      case SERVER_OP.STATUS:
        return { status: -arg, reply: new Uint8Array(0) };
      case SERVER_OP.READ_LEASES: {
        const out = new Uint8Array(SERVER_MAX_REPLY);
        let n = 0;
        for (const l of leases) {
          if (!l.readable || n >= out.length) continue;
          const take = Math.min(l.length, out.length - n);
          await rt.env.copy(out.subarray(n, n + take), l.subarray(0, take));
          n += take;
        }
        return { status: 0, reply: out.subarray(0, n) };
      }
      case SERVER_OP.FILL_LEASES: {
        for (const l of leases) {
          if (!l.writable) continue;
          for (let at = 0; at < l.length; at += staging.length) {
            const n = Math.min(staging.length, l.length - at);
            staging.fill(arg, 0, n);
            await rt.sys.call('mem_copy', { part: l.lease, off: l.offset + at, len: n }, rt.memory.ref(staging.subarray(0, n))!);
          }
        }
        return { status: 0, reply: new Uint8Array(0) };
      }
      case SERVER_OP.LEASE_HANDLES: {
        const out = new Uint8Array(4 * leases.length);
        const view = new DataView(out.buffer);
        leases.forEach((l, i) => view.setUint32(4 * i, l.lease, true));
        return { status: 0, reply: out };
      }
      default:
        return { status: 0, reply: Uint8Array.from(msg).reverse() };
    }
  });
}
