/**
 * Kernel-private object types: what a handle stands for inside the kernel.
 *
 * These structures (the `struct device` equivalents, HAL handles, locks, queues) never cross to a
 * worker; boot-info.ts describes the only things that do.
 */
import type { EepromConfig } from '../abi/device-config';
import type { HilError } from '../abi/errno';
import type { I2cController } from '../hal/i2c';
import type { SpiDevice } from '../hal/spi';
import type { BusArbiter } from './bus-arbiter';
import type { KObjectBase } from './objects';

export interface SpiDeviceObject extends KObjectBase {
  readonly type: 'spi_device';
  readonly path: string;
  /** Label (or path) of the controller node the device sits on. */
  readonly busNode: string;
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
  readonly busNode: string;
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
  get(): Promise<0 | 1>;
  set(value: 0 | 1): Promise<void>;
}

export interface PartitionObject extends KObjectBase {
  readonly type: 'partition';
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
}

/** A message in flight through an endpoint. */
export interface IpcCall {
  readonly token: number;
  /** Thread name, or "kernel" for calls made through the kernel API. */
  readonly client: string;
  readonly msg: Uint8Array;
  /** Settles the caller: the reply bytes and the server's status, or an error. */
  readonly settle: (result: { reply: Uint8Array; status: number } | HilError) => void;
}

export interface IpcReceiver {
  readonly thread: string;
  readonly buf: Uint8Array;
  readonly deliver: (call: IpcCall) => void;
}

export interface EndpointObject extends KObjectBase {
  readonly type: 'endpoint';
  /** The thread that serves it. */
  server: string | undefined;
  readonly inbox: IpcCall[];
  readonly inflight: Map<number, IpcCall>;
  receiver: IpcReceiver | undefined;
}

export type DeviceObject = SpiDeviceObject | I2cDeviceObject | GpioObject;
export type KObject = DeviceObject | PartitionObject | EndpointObject | KObjectBase;
