/**
 * hilbridge's library entry (`import { boot } from 'hilbridge'`): boot a board, open its EEPROMs,
 * inspect threads; plus the kernel API for programs that spawn their own user-mode drivers.
 * User programs import `hilbridge/user` instead.
 */
export { boot, ConfigError, defaultBoard, Hilbridge, type BootConfig, type BoardInfo } from './host/hilbridge';
export { Kernel, type BootOptions, type SpawnOptions, type ThreadInfo, type DeviceInfo, type KernelEvent } from './kernel/kernel';
export type { RestartPolicy, ThreadState } from './kernel/thread';
export { HilError, ERRNO, type ErrnoCode } from './abi/errno';
export type { Eeprom, EepromStatus, ProtectionSettings, WriteOptions, WriteProgress, ProtectedBlocks } from './userdrivers/eeprom';
export type { At24Config, At25Config, EepromConfig } from './abi/device-config';
export { VirtualClock, RealClock, type Clock } from './hal/clock';
export { loadTree, parseDts, parseDtsFile } from './devicetree';
