/**
 * `hilbridge/user`: the library a user-mode program links against. A program exports
 * `main(rt: UserRuntime)`; from `rt` it gets typed syscall stubs, its memory domain, and device
 * APIs for what it was granted. Nothing here reaches kernel internals.
 */
export { runtime, UserRuntime } from './runtime';
export { Sys, syscallError } from './syscall';
export { UserMemory, Partition, SCRATCH_BYTES } from './memory';
export { UserSpiDevice } from './spi';
export { UserI2cDevice } from './i2c';
export { serve, call, type IpcHandler, type IpcResult } from './ipc';
export type { SpiDeviceApi, SpiOp, I2cDeviceApi, I2cOp, DriverEnv } from './device-api';
export { SYSCALLS, type SyscallName, type SyscallArgs, type BufRef } from '../abi/syscalls';
export { HilError, ERRNO, type ErrnoCode } from '../abi/errno';
export type { EepromConfig, At25Config, At24Config } from '../abi/device-config';
