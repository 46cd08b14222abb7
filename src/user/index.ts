/**
 * `hilbridge/user`: the library a user-mode program links against. A program exports
 * `main(rt: UserRuntime)`; from `rt` it gets typed syscall stubs, its memory domain, device APIs
 * for what it was granted, and its console. Nothing here reaches kernel internals, and nothing
 * here is ambient: a confined program gets these hardened objects and nothing of Node.
 */
export { runtime, UserRuntime, type GpioLineApi, type LogLevel } from './runtime';
export { Sys, syscallError } from './syscall';
export { UserMemory, Partition, SCRATCH_BYTES } from './memory';
export { UserSpiDevice } from './spi';
export { UserI2cDevice } from './i2c';
export { Lease } from './lease';
export { serve, call, serveInterface, connect, DEFAULT_MAX_MSG, type IpcHandler, type IpcResult } from './ipc';
export type { SpiDeviceApi, SpiTransfer, I2cDeviceApi, I2cMessage, DriverEnv, BusBuffer, LeaseWindow } from './device-api';
export { SYSCALLS, NO_BUF, type SyscallName, type SyscallArgs, type BufRef } from '../abi/syscalls';
export { HilError, ERRNO, type ErrnoCode } from '../abi/errno';
export { defineInterface, makeClient, makeDispatcher, errorResult, replyError } from '../abi/ipc-interface';
export { EEPROM_IFACE } from '../abi/eeprom-iface';
export type { EepromConfig, At25Config, At24Config } from '../abi/device-config';
