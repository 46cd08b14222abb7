/**
 * Small syscalls: null (for benchmarks), sleep, yield, GPIO, copies between windows the caller
 * may use, the program console (report, log) and introspection of the caller's own grants.
 */
import { ERRNO } from '../../abi/errno';
import type { SyscallContext, SyscallResult } from '../context';
import type { Verified } from '../verify';

export function sysNull(): SyscallResult {
  return [0, 0];
}

export function sysSleep(_ctx: SyscallContext, [usec]: Verified<'sleep'>): Promise<SyscallResult> {
  // Unref'd: a sleeping thread alone does not keep the kernel's process alive (its worker does).
  return new Promise((resolve) => setTimeout(() => resolve([0, 0]), usec / 1000).unref());
}

export function sysYield(): Promise<SyscallResult> {
  return new Promise((resolve) => setImmediate(() => resolve([0, 0])));
}

export async function gpioGet(_ctx: SyscallContext, [line]: Verified<'gpio_get'>): Promise<SyscallResult> {
  return [await line.get(), 0];
}

export async function gpioSet(ctx: SyscallContext, [line, value]: Verified<'gpio_set'>): Promise<SyscallResult> {
  line.lastDriver = ctx.thread.name;
  await line.set(value === 1 ? 1 : 0);
  return [0, 0];
}

/** `mem_copy`: the way a server reads a lease it was lent for reading (or fills one for writing). */
export function memCopy(ctx: SyscallContext, [dst, src]: Verified<'mem_copy'>): SyscallResult {
  const n = Math.min(dst.length, src.length);
  dst.set(n === src.length ? src : src.subarray(0, n));
  ctx.kernel.stats.bytesCopied += n;
  return [n, 0];
}

export function report(ctx: SyscallContext, [data]: Verified<'report'>): SyscallResult {
  return [ctx.kernel.console.report(ctx.thread, data), 0];
}

export function log(ctx: SyscallContext, [level, text]: Verified<'log'>): SyscallResult {
  return [ctx.kernel.console.log(ctx.thread, level, text), 0];
}

export function objList(ctx: SyscallContext, [out]: Verified<'obj_list'>): SyscallResult {
  const { thread: t, kernel } = ctx;
  const describe = (h: number): { handle: number; type: string; name: string; size?: number } | undefined => {
    const o = kernel.objects.get(h);
    if (!o) return undefined;
    const size = o.type === 'partition' ? (o as unknown as { bytes: Uint8Array }).bytes.length : undefined;
    return size === undefined ? { handle: h, type: o.type, name: o.name } : { handle: h, type: o.type, name: o.name, size };
  };
  const json = JSON.stringify({
    thread: t.name,
    grants: [...t.grants].map(describe).filter(Boolean),
    partitions: [...t.domain].map(describe).filter(Boolean),
  });
  const bytes = new TextEncoder().encode(json);
  if (bytes.length > out.length) return [-ERRNO.ENOSPC, bytes.length];
  out.set(bytes);
  return [bytes.length, 0];
}
