/**
 * The handler table: one implementation per syscall of the ABI. The mapped type makes the
 * compiler refuse a syscall declared in abi/syscalls.ts without a handler here.
 */
import type { SyscallName } from '../../abi/syscalls';
import type { SyscallContext, SyscallResult } from '../context';
import type { Verified } from '../verify';
import { i2cTransfer } from './i2c';
import { ipcCall, ipcReceive, ipcReply } from './ipc';
import { gpioGet, gpioSet, log, memCopy, objList, report, sysNull, sysSleep, sysYield } from './misc';
import { spiLock, spiTransfer, spiUnlock } from './spi';

export type Handler<N extends SyscallName> = (ctx: SyscallContext, args: Verified<N>) => SyscallResult | Promise<SyscallResult>;
export type HandlerTable = { readonly [N in SyscallName]: Handler<N> };

export const HANDLERS: HandlerTable = {
  null: sysNull,
  spi_transfer: spiTransfer,
  spi_lock: spiLock,
  spi_unlock: spiUnlock,
  i2c_transfer: i2cTransfer,
  gpio_get: gpioGet,
  gpio_set: gpioSet,
  sleep: sysSleep,
  yield: sysYield,
  ipc_call: ipcCall,
  ipc_receive: ipcReceive,
  ipc_reply: ipcReply,
  obj_list: objList,
  mem_copy: memCopy,
  report,
  log,
};
