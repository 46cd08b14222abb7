/**
 * IPC syscalls: call, receive, reply. The copying and queueing live in kernel/ipc.ts.
 */
import { ERRNO, HilError } from '../../abi/errno';
import type { SyscallContext, SyscallResult } from '../context';
import type { Verified } from '../verify';

export async function ipcCall(ctx: SyscallContext, [ep, msg, replyBuf]: Verified<'ipc_call'>): Promise<SyscallResult> {
  try {
    const r = await ctx.kernel.ipc.call(ep, ctx.thread.name, msg.slice());
    if (r.reply.length > replyBuf.length) return [-ERRNO.EMSGSIZE, r.status];
    replyBuf.set(r.reply);
    return [r.reply.length, r.status];
  } catch (e) {
    if (e instanceof HilError) return [-e.errno, 0];
    throw e;
  }
}

export async function ipcReceive(ctx: SyscallContext, [ep, buf]: Verified<'ipc_receive'>): Promise<SyscallResult> {
  try {
    return await ctx.kernel.ipc.receive(ep, ctx.thread.name, buf);
  } catch (e) {
    if (e instanceof HilError) return [-e.errno, 0];
    throw e;
  }
}

export function ipcReply(ctx: SyscallContext, [ep, client, reply, status]: Verified<'ipc_reply'>): SyscallResult {
  return [ctx.kernel.ipc.reply(ep, ctx.thread.name, client, reply, status), 0];
}
