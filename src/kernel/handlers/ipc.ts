/**
 * IPC syscalls: call (with leases), receive, reply. The queueing and the lease objects live in
 * kernel/ipc.ts; here the caller's lease descriptors are copied out of its memory and checked
 * like any buffer argument: only windows of the caller's own partitions may be lent (a lease a
 * thread holds cannot be passed on, so it cannot outlive the call that made it).
 */
import { ERRNO, HilError } from '../../abi/errno';
import { decodeLeaseDesc, LEASE_DESC_SIZE, LEASE_READ, LEASE_WRITE } from '../../abi/lease';

import type { SyscallContext, SyscallResult } from '../context';
import type { KernelLease } from '../kobjects';
import { Oops, resolveWindow, type Verified } from '../verify';

function lentWindows(ctx: SyscallContext, descs: Uint8Array): KernelLease[] {
  if (descs.length % LEASE_DESC_SIZE !== 0) {
    throw new Oops('EINVAL', `ipc_call(leases): ${descs.length} bytes is not a whole number of ${LEASE_DESC_SIZE}-byte descriptors`);
  }
  const copy = descs.slice();
  const view = new DataView(copy.buffer);
  const out: KernelLease[] = [];
  for (let at = 0; at < copy.length; at += LEASE_DESC_SIZE) {
    const d = decodeLeaseDesc(view, at);
    const what = `ipc_call(leases[${at / LEASE_DESC_SIZE}])`;
    if (d.flags === 0 || (d.flags & ~(LEASE_READ | LEASE_WRITE)) !== 0) throw new Oops('EINVAL', `${what}: flags ${d.flags} must be read (1), write (2) or both`);
    if (ctx.kernel.objects.get(d.part)?.type !== 'partition') {
      throw new Oops('EFAULT', `${what}: only a window of one of the caller's partitions may be lent`);
    }
    const window = (access: 'read' | 'write'): Uint8Array => resolveWindow(ctx.kernel.objects, ctx.thread, d.part, d.off, d.len, 0x7fffffff, what, access);
    const bytes = (d.flags & LEASE_READ) !== 0 ? window('read') : window('write');
    if ((d.flags & LEASE_WRITE) !== 0) window('write');
    out.push({ bytes, flags: d.flags });
  }
  return out;
}

export async function ipcCall(ctx: SyscallContext, [ep, msg, replyBuf, leaseDescs]: Verified<'ipc_call'>): Promise<SyscallResult> {
  const leases = lentWindows(ctx, leaseDescs);
  try {
    const r = await ctx.kernel.ipc.call(ep, ctx.thread.name, msg.slice(), leases);
    if (r.reply.length > replyBuf.length) return [-ERRNO.EMSGSIZE, r.status];
    replyBuf.set(r.reply);
    return [r.reply.length, r.status];
  } catch (e) {
    if (e instanceof HilError) return [-e.errno, 0];
    throw e;
  }
}

export async function ipcReceive(ctx: SyscallContext, [ep, buf, leaseInfo]: Verified<'ipc_receive'>): Promise<SyscallResult> {
  try {
    return await ctx.kernel.ipc.receive(ep, ctx.thread, buf, leaseInfo);
  } catch (e) {
    if (e instanceof HilError) return [-e.errno, 0];
    throw e;
  }
}

export function ipcReply(ctx: SyscallContext, [ep, client, reply, status]: Verified<'ipc_reply'>): SyscallResult {
  return [ctx.kernel.ipc.reply(ep, ctx.thread, client, reply, status), 0];
}


