/**
 * Typed syscall stubs, derived from the ABI table: `sys.call('spi_transceive', dev, xfers)`
 * checks its argument types at compile time from abi/syscalls.ts, flattens them into wire slots
 * and turns a negative result into a HilError.
 */
import { ERRNO, type ErrnoCode, errnoCode, HilError } from '../abi/errno';
import { flattenArgs, type SyscallArgs, type SyscallName, SYSCALLS } from '../abi/syscalls';
import type { Transport } from './transport';

const HINTS: Partial<Record<ErrnoCode, string>> = {
  EPERM: 'this thread holds no grant on that object; grant it in the board file (hilbridge,grants) or with Kernel.grant()',
  EMSGSIZE: 'the transaction is longer than the bus allows; split it',
  EINVAL: 'an argument is outside what the device accepts',
  EOWNERDEAD: 'the server thread died while handling the call; it may be restarting, try again',
  ENODEV: 'no thread serves that endpoint',
};

export function syscallError(name: string, r0: number): HilError {
  const code = errnoCode(r0);
  const hint = HINTS[code];
  return new HilError(code, `syscall ${name} failed: ${code}${hint ? ` (${hint})` : ''}`);
}

export type SyscallReturn = readonly [number, number];

export class Sys {
  /** Syscalls made by this thread, by name (user-side count; the kernel keeps its own). */
  readonly counts: Partial<Record<SyscallName, number>> = {};

  constructor(readonly transport: Transport) {}

  async call<N extends SyscallName>(name: N, ...args: SyscallArgs<N>): Promise<SyscallReturn> {
    const decl = SYSCALLS[name];
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const r = await this.transport.call(decl.nr, flattenArgs(decl, args as readonly (number | { part: number; off: number; len: number })[]));
    if (r[0] < 0) throw syscallError(name, r[0]);
    return r;
  }

  /** Synchronous form, for the synchronous transport only (benchmarks, tight loops). */
  callSync<N extends SyscallName>(name: N, ...args: SyscallArgs<N>): SyscallReturn {
    if (this.transport.kind !== 'sync') throw new HilError('ENOTSUP', 'callSync needs the synchronous transport');
    const decl = SYSCALLS[name];
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const r = this.transport.call(decl.nr, flattenArgs(decl, args as readonly (number | { part: number; off: number; len: number })[])) as [number, number];
    if (r[0] < 0) throw syscallError(name, r[0]);
    return r;
  }

  /** Sends raw wire slots with no typing: for tests of the kernel's verification. */
  raw(nr: number, slots: readonly number[]): [number, number] | Promise<[number, number]> {
    return this.transport.call(nr, slots);
  }
}

export { ERRNO };
