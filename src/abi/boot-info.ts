/**
 * What the kernel hands a new user thread (its `workerData`): only plain, cloneable data.
 *
 * Handles are opaque numbers; partitions arrive as the SharedArrayBuffers of the thread's own
 * memory domain and nothing else; device entries carry the validated configuration a driver needs
 * (never the kernel's device object). Kernel-private state cannot cross this boundary because it
 * is not in this type.
 */
import type { EepromConfig } from './device-config';
import type { ObjectType } from './syscalls';

export const ABI_VERSION = 2;

export type TransportKind = 'sync' | 'port';

export interface PartitionGrant {
  readonly handle: number;
  readonly name: string;
  readonly buffer: SharedArrayBuffer;
}

export interface ObjectGrant {
  readonly handle: number;
  readonly type: ObjectType;
  /** Devicetree label or node path for devices, endpoint name for endpoints. */
  readonly name: string;
  readonly path?: string | undefined;
  /** Most bytes per transaction, for bus devices. */
  readonly maxTransferBytes?: number | undefined;
  /** Validated driver configuration, for EEPROM devices. */
  readonly config?: EepromConfig | undefined;
  /** For I2C devices: the first 7-bit address the device answers on, and how many. */
  readonly i2cAddress?: number | undefined;
  readonly i2cAddressCount?: number | undefined;
  readonly repeatedStart?: boolean | undefined;
}

export interface BootInfo {
  readonly abi: number;
  readonly threadName: string;
  readonly threadHandle: number;
  readonly transport: TransportKind;
  /** Syscall page for the synchronous transport. */
  readonly page: SharedArrayBuffer;
  /** Microseconds the synchronous transport polls for a reply before it sleeps. */
  readonly spinUs: number;
  /** The thread's private partition (scratch for syscall descriptors and driver buffers). */
  readonly privatePartition: number;
  readonly partitions: readonly PartitionGrant[];
  readonly objects: readonly ObjectGrant[];
  /** Endpoints this thread serves (names → handles), a subset of `objects`. */
  readonly serves: readonly string[];
  /** Absolute path of the program module the bootstrap loads. */
  readonly program: string;
  /** Plain data for the program (from the spawn call). */
  readonly args: unknown;
  /** Run the program inside a SES Compartment (the default); false only for trusted benchmark/test code. */
  readonly confined: boolean;
  /** ArrayBuffer bytes the thread may hold before the kernel stops it (its sampler checks too). */
  readonly bufferLimitBytes: number;
}
