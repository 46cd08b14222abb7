/**
 * Typed syscall stubs, derived from the ABI table: `sys.call('spi_transfer', dev, xfers)`
 * checks its argument types at compile time from abi/syscalls.ts, flattens them into wire slots
 * and turns a negative result into a HilError. The transport is private: a program holding `Sys`
 * can make syscalls, nothing else.
 */
import { type ErrnoCode, errnoCode, HilError } from '../abi/errno';
import { type BufRef, flattenArgs, type SyscallArgs, type SyscallName, SYSCALLS } from '../abi/syscalls';
import type { Transport } from './transport';

const HINTS: Partial<Record<ErrnoCode, string>> = {
  EPERM: 'this thread holds no grant on that object; grant it in the board file (hilbridge,grants) or with Kernel.grant()',
  EMSGSIZE: 'the transaction is longer than the bus allows; split it',
  EINVAL: 'an argument is outside what the device accepts',
  EOWNERDEAD: 'the server thread died while handling the call; it may be restarting, try again',
  ENODEV: 'no thread serves that endpoint',
  EAGAIN: 'over the rate limit of report/log; slow down',
  ECONNRESET: 'the thread that lent that memory is gone',
};

export function syscallError(name: string, r0: number): HilError {
  const code = errnoCode(r0);
  const hint = HINTS[code];
  return new HilError(code, `syscall ${name} failed: ${code}${hint ? ` (${hint})` : ''}`);
}

export type SyscallReturn = readonly [number, number];

/** Wire slots must be plain numbers before they touch the transport (no valueOf runs mid-request). */
function wire(name: string, slots: readonly unknown[]): number[] {
  const out = new Array<number>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const v = slots[i];
    if (typeof v !== 'number') throw new HilError('EINVAL', `syscall ${name}: argument slot ${i} is a ${typeof v}, not a number`);
    out[i] = v;
  }
  return out;
}

export class Sys {
  readonly #transport: Transport;
  readonly #counts: Partial<Record<SyscallName, number>> = {};

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** "sync" (shared-memory page) or "port" (MessagePort). */
  get kind(): 'sync' | 'port' {
    return this.#transport.kind;
  }

  /** Syscalls made by this thread, by name (user-side count; the kernel keeps its own). */
  get counts(): Readonly<Partial<Record<SyscallName, number>>> {
    return Object.freeze({ ...this.#counts });
  }

  async call<N extends SyscallName>(name: N, ...args: SyscallArgs<N>): Promise<SyscallReturn> {
    const decl = SYSCALLS[name];
    if (decl === undefined) throw new HilError('ENOSYS', `no syscall named ${String(name)}`);
    const slots = wire(name, flattenArgs(decl, args as readonly (number | BufRef)[]));
    this.#counts[name] = (this.#counts[name] ?? 0) + 1;
    const r = await this.#transport.call(decl.nr, slots);
    if (r[0] < 0) throw syscallError(name, r[0]);
    return r;
  }

  /** Synchronous form, for the synchronous transport only (benchmarks, tight loops). */
  callSync<N extends SyscallName>(name: N, ...args: SyscallArgs<N>): SyscallReturn {
    if (this.#transport.kind !== 'sync') throw new HilError('ENOTSUP', 'callSync needs the synchronous transport');
    const decl = SYSCALLS[name];
    if (decl === undefined) throw new HilError('ENOSYS', `no syscall named ${String(name)}`);
    const slots = wire(name, flattenArgs(decl, args as readonly (number | BufRef)[]));
    this.#counts[name] = (this.#counts[name] ?? 0) + 1;
    const r = this.#transport.call(decl.nr, slots) as [number, number];
    if (r[0] < 0) throw syscallError(name, r[0]);
    return r;
  }

  /** Sends raw wire slots with no typing (tests of the kernel's verification). */
  raw(nr: number, slots: readonly number[]): [number, number] | Promise<[number, number]> {
    return this.#transport.call(wire(`#${String(nr)}`, [nr])[0]!, wire(`#${String(nr)}`, slots));
  }
}
