/**
 * What a syscall handler may use of the kernel: the object table, the calling thread, the IPC
 * service, the program console, the counters and the fault path. Handlers get this narrow view
 * instead of the whole Kernel class.
 */
import type { ErrnoCode } from '../abi/errno';
import type { ProgramConsole } from './console';
import type { IpcService } from './ipc';
import type { ObjectTable } from './objects';
import type { UserThread } from './thread';

export interface KernelStats {
  syscalls: number;
  denials: number;
  faults: number;
  /** Data bytes the kernel copied between memories: IPC messages and replies, mem_copy. */
  bytesCopied: number;
  bySyscall: Record<string, number>;
}

export interface KernelServices {
  readonly objects: ObjectTable;
  readonly ipc: IpcService;
  readonly console: ProgramConsole;
  readonly stats: KernelStats;
  /** Stops a thread for a rule it broke outside a syscall's verification (e.g. a lock held too long). */
  fault(t: UserThread, syscall: string, code: ErrnoCode, reason: string): void;
}

export interface SyscallContext {
  readonly kernel: KernelServices;
  readonly thread: UserThread;
}

/** r0 (value, or -errno) and r1 (a second value some syscalls return). */
export type SyscallResult = readonly [number, number];
