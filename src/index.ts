/**
 * hilbridge's library entry (`import { boot } from 'hilbridge'`): boot a board, open its EEPROMs,
 * inspect threads and counters; plus the kernel API for programs that spawn their own user-mode
 * drivers. User programs import `hilbridge/user` (and `hilbridge/drivers`) instead.
 */
export {
  boot,
  defaultBoard,
  Hilbridge,
  resolveBoard,
  shippedBoards,
  version,
  type BootConfig,
  type BoardInfo,
  type ShippedBoard,
  type Stats,
} from './host/hilbridge';
export type { TransportKind } from './abi/boot-info';
export {
  EepromHandle,
  InterruptedError,
  type BlankReport,
  type ImageOptions,
  type ImageWriteReport,
  type Progress,
  type ProtectionSettings,
  type TransferOptions,
  type VerifyReport,
  type WriteOptions,
  type WriteReport,
} from './host/eeprom';
export { ArgumentError, ConfigError } from './host/errors';
export { Kernel, UnavailableError, type BootOptions, type BusInfo, type DeviceInfo, type KernelEvent, type ThreadInfo } from './kernel/kernel';
export type { SpawnOptions, ThreadSpec, RestartSpec, ThreadLimits } from './abi/thread-spec';
export type { ThreadState } from './kernel/thread';
export type { LogLevel } from './kernel/console';
export { HilError, ERRNO, toHilError, isErrnoCode, type ErrnoCode } from './abi/errno';
export { checkRange, describeSize, PROTECTED_BLOCKS, protectedFrom, type EepromStatus, type ProtectedBlocks } from './abi/eeprom-iface';
export type { Eeprom } from './userdrivers/eeprom';
export type { At24Config, At25Config, EepromConfig } from './abi/device-config';
export { VirtualClock, RealClock, type Clock } from './hal/clock';
export { loadTree, parseDts, parseDtsFile } from './devicetree';
export { EEPROM_PARTS, findPart, partByName, partForCompatible, type At24Part, type At25Part, type EepromPart, type PartFacts, type PartRow } from './devicetree/parts';
export { probeGpio, formatGpioProbe, type GpioProbe, type GpioControllerMatch, type GpioChipEntry } from './host/gpio-probe';
export { startSpareWorker } from './host/prestart';
export {
  checkImageFits,
  compareImage,
  describeFormat,
  detectFormat,
  flattenImage,
  formatFromFileName,
  formatImage,
  formatSegments,
  IMAGE_FORMATS,
  imageBounds,
  ImageFormatError,
  isImageFormat,
  parseImage,
  shiftImage,
  type FormatOptions,
  type ImageFormat,
  type ImageSegment,
  type ParseOptions as ImageParseOptions,
  type SparseImage,
} from './formats';
