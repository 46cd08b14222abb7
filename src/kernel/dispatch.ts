/**
 * The syscall path every transport feeds: count, look the number up, verify the arguments
 * against the ABI table (kernel/verify.ts), run the handler, and map what happened to the
 * thread's answer. A malformed call faults the thread (no answer); a missing grant is EPERM; a
 * HilError from a handler is -errno; anything else is recorded and answered EIO. Nothing a
 * thread sends makes this throw.
 */
import { ERRNO, HilError } from '../abi/errno';
import { type SyscallDecl, type SyscallName, syscallByNumber } from '../abi/syscalls';
import type { KernelServices, SyscallContext, SyscallResult } from './context';
import { HANDLERS, type Handler } from './handlers';
import type { UserThread } from './thread';
import { Denied, Oops, type Verified, verifyArgs } from './verify';

/** Serves one request given as wire slots (read before the handler first awaits: a transport may reuse them). */
export type Dispatch = (slots: ArrayLike<number>) => Promise<SyscallResult | null>;

export interface DispatchHooks {
  denied(t: UserThread, message: string): void;
  error(t: UserThread, message: string): void;
}

function runHandler<N extends SyscallName>(name: N, ctx: SyscallContext, decl: SyscallDecl, slots: ArrayLike<number>): SyscallResult | Promise<SyscallResult> {
  const args: Verified<N> = verifyArgs(ctx.kernel.objects, ctx.thread, name, decl, slots);
  return (HANDLERS[name] as Handler<N>)(ctx, args);
}

/** The dispatcher of one incarnation of a thread: answers become null once it is gone. */
export function dispatcherFor(k: KernelServices, hooks: DispatchHooks, t: UserThread, incarnation: number): Dispatch {
  const ctx: SyscallContext = { kernel: k, thread: t };
  const current = (): boolean => t.incarnation === incarnation && t.alive;
  return async (slots) => {
    if (!current()) return null;
    const nr = slots[0]!;
    t.counters.syscalls++;
    k.stats.syscalls++;
    const entry = syscallByNumber(nr);
    if (!entry) {
      k.fault(t, `#${String(nr)}`, 'ENOSYS', `unknown syscall number ${String(nr)}`);
      return null;
    }
    const [name, decl] = entry;
    t.counters.bySyscall[name] = (t.counters.bySyscall[name] ?? 0) + 1;
    k.stats.bySyscall[name] = (k.stats.bySyscall[name] ?? 0) + 1;
    t.inSyscall++;
    try {
      const r = await runHandler(name, ctx, decl, slots);
      return current() ? r : null;
    } catch (e) {
      if (!current()) return null;
      if (e instanceof Denied) {
        t.counters.denials++;
        k.stats.denials++;
        hooks.denied(t, e.message);
        return [-ERRNO.EPERM, 0];
      }
      if (e instanceof Oops) {
        k.fault(t, name, e.code, e.reason);
        return null;
      }
      if (e instanceof HilError) return [-e.errno, 0];
      hooks.error(t, `${name}: ${e instanceof Error ? e.message : String(e)}`);
      return [-ERRNO.EIO, 0];
    } finally {
      t.inSyscall--;
    }
  };
}
