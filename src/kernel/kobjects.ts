/**
 * Kernel-private object types: what a handle stands for inside the kernel.
 *
 * These structures (the `struct device` equivalents, HAL handles, locks, queues) never cross to a
 * worker; boot-info.ts describes the only things that do.
 */
import type { EepromConfig } from '../abi/device-config';
import type { HilError } from '../abi/errno';
import type { PartPins } from '../hal/gpio';
import type { I2cController } from '../hal/i2c';
import type { SpiDevice } from '../hal/spi';
import type { IpcResult } from '../abi/ipc-interface';
import type { BusArbiter } from './bus-arbiter';
import type { KObjectBase } from './objects';
import type { UserThread } from './thread';

export interface SpiDeviceObject extends KObjectBase {
  readonly type: 'spi_device';
  readonly path: string;
  /** Label (or path) of the controller node the device sits on. */
  readonly bus: string;
  /** The part's control pins, on a simulated bus. */
  readonly pins: PartPins | undefined;
  readonly hal: SpiDevice;
  readonly arbiter: BusArbiter;
  readonly chipSelect: number;
  readonly maxSpeedHz: number;
  readonly config: EepromConfig | undefined;
}

export interface I2cDeviceObject extends KObjectBase {
  readonly type: 'i2c_device';
  readonly path: string;
  /** Label (or path) of the controller node the device sits on. */
  readonly bus: string;
  /** The part's control pins, on a simulated bus. */
  readonly pins: PartPins | undefined;
  readonly hal: I2cController;
  readonly arbiter: BusArbiter;
  /** First 7-bit address the device answers on, and how many consecutive addresses. */
  readonly address: number;
  readonly addressCount: number;
  readonly config: EepromConfig | undefined;
}

export interface GpioObject extends KObjectBase {
  readonly type: 'gpio';
  readonly path: string;
  /** The device this line controls (granting the device grants the line). */
  readonly device: string | undefined;
  /** WP (asserted: writes protected) or HOLD (asserted: the serial interface paused). */
  readonly role: 'wp' | 'hold';
  /** The logical level the kernel keeps when nobody needs the line: WP asserted, HOLD inactive. */
  readonly safeLevel: 0 | 1;
  /** The thread that drove the line last (the kernel puts it back to safe when that thread stops). */
  lastDriver: string | undefined;
  /** Logical levels: 1 = asserted. */
  get(): Promise<0 | 1>;
  set(value: 0 | 1): Promise<void>;
  /**
   * Turns the line into an input pulled towards its safe level, so the chip stays safe once this
   * process lets go (the pull resistor holds the level where the GPIO keeps its bias, as a Pi does).
   */
  park(): Promise<void>;
  /** Lets go of the line (shutdown). */
  release(): Promise<void>;
}

export interface PartitionObject extends KObjectBase {
  readonly type: 'partition';
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
}

/** A window of a caller's memory lent for one call, as the kernel holds it. */
export interface KernelLease {
  readonly bytes: Uint8Array;
  /** LEASE_READ | LEASE_WRITE (abi/lease.ts): what the server may do with it. */
  readonly flags: number;
}

/** A lease made usable by the thread serving the call: a handle it may name in buffer arguments. */
export interface LeaseObject extends KObjectBase {
  readonly type: 'lease';
  readonly bytes: Uint8Array;
  readonly flags: number;
  /** The only thread that may use it: the server handling the call. */
  readonly borrower: UserThread;
  /** The lender died: the window still exists but using it returns ECONNRESET (not a fault). */
  revoked: boolean;
}

/** A message in flight through an endpoint. */
export interface IpcCall {
  readonly token: number;
  /** Thread name, or "kernel" for calls made through the kernel API. */
  readonly client: string;
  readonly msg: Uint8Array;
  readonly leases: readonly KernelLease[];
  /** Lease objects made for a thread server when the call was delivered; removed when it ends. */
  leaseObjects: LeaseObject[];
  /** Settles the caller: the reply bytes and the server's status, or an error. */
  readonly settle: (result: IpcResult | HilError) => void;
}

export interface IpcReceiver {
  readonly thread: UserThread;
  readonly buf: Uint8Array;
  readonly leaseInfo: Uint8Array;
  readonly deliver: (call: IpcCall) => void;
}

/** An endpoint served inside the kernel (the in-kernel driver placement): leases are plain views. */
export type InKernelServer = (msg: Uint8Array, leases: readonly KernelLease[]) => Promise<IpcResult>;

export interface EndpointObject extends KObjectBase {
  readonly type: 'endpoint';
  /** The thread that serves it, or "kernel" for an in-kernel server. */
  server: string | undefined;
  inKernel: InKernelServer | undefined;
  readonly inbox: IpcCall[];
  readonly inflight: Map<number, IpcCall>;
  receiver: IpcReceiver | undefined;
}

export type DeviceObject = SpiDeviceObject | I2cDeviceObject | GpioObject;
export type KObject = DeviceObject | PartitionObject | EndpointObject | LeaseObject | KObjectBase;
