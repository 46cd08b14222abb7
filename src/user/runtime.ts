/**
 * The user thread's runtime: its name, syscall stubs, memory domain, granted objects, and
 * factories for the driver-facing device APIs. `hilbridge/user` programs get it as the argument
 * of their `main(rt)`.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { BootInfo, ObjectGrant } from '../abi/boot-info';
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import type { ObjectType } from '../abi/syscalls';
import type { DriverEnv } from './device-api';
import { UserI2cDevice } from './i2c';
import { UserMemory } from './memory';
import { UserSpiDevice } from './spi';
import { Sys } from './syscall';
import { PortTransport, SyncTransport, type Transport } from './transport';

export class UserRuntime {
  readonly name: string;
  readonly sys: Sys;
  readonly memory: UserMemory;
  readonly objects: ObjectGrant[];
  readonly serves: readonly string[];
  readonly args: unknown;
  readonly env: DriverEnv;

  constructor(boot: BootInfo, port: MessagePort | undefined) {
    this.name = boot.threadName;
    const transport: Transport = boot.transport === 'port' && port ? new PortTransport(port) : new SyncTransport(boot.page, boot.spinUs);
    this.sys = new Sys(transport);
    this.memory = new UserMemory(boot.partitions, boot.privatePartition);
    this.objects = [...boot.objects];
    this.serves = boot.serves;
    this.args = boot.args;
    this.env = {
      nowMs: () => performance.now(),
      sleepUs: async (us: number) => {
        await this.sys.call('sleep', Math.max(0, Math.min(10_000_000, Math.round(us))));
      },
      alloc: (len: number) => this.memory.alloc(len),
    };
  }

  /** A granted object by name (device label or path, endpoint name). */
  object(name: string, type?: ObjectType): ObjectGrant {
    const o = this.objects.find((x) => (x.name === name || x.path === name) && (type === undefined || x.type === type));
    if (!o) {
      throw new HilError('EPERM', `${this.name} holds no grant on "${name}" (granted: ${this.objects.map((x) => x.name).join(', ') || 'nothing'})`);
    }
    return o;
  }

  spi(name: string): UserSpiDevice {
    const o = this.object(name, 'spi_device');
    if (o.type !== 'spi_device') throw new HilError('EINVAL', `${name} is a ${o.type}, not an SPI device`);
    return new UserSpiDevice(this.sys, this.memory, o.handle, o.maxTransferBytes ?? 4096);
  }

  i2c(name: string): UserI2cDevice {
    const o = this.object(name, 'i2c_device');
    if (o.type !== 'i2c_device') throw new HilError('EINVAL', `${name} is a ${o.type}, not an I2C device`);
    return new UserI2cDevice(this.sys, this.memory, o.handle, o.maxTransferBytes ?? 4096, o.repeatedStart ?? false);
  }

  /** A granted GPIO line (e.g. "eeprom0-wp"); values are logical: 1 = asserted. */
  gpio(name: string): { get(): Promise<0 | 1>; set(value: 0 | 1): Promise<void> } {
    const o = this.object(name, 'gpio');
    return {
      get: async () => ((await this.sys.call('gpio_get', o.handle))[0] === 1 ? 1 : 0),
      set: async (value) => {
        await this.sys.call('gpio_set', o.handle, value);
      },
    };
  }

  config(name: string): EepromConfig {
    const c = this.objects.find((x) => (x.name === name || x.path === name) && x.config)?.config;
    if (!c) throw new HilError('ENODATA', `${name} has no driver configuration`);
    return c;
  }

  /**
   * Sends plain data to the kernel's `report` event (a debug console: test programs report
   * outcomes through it). Not a syscall: it carries no authority.
   */
  report(data: unknown): void {
    parentPort?.postMessage({ kind: 'report', data });
  }

  /** Handle of an endpoint this thread serves or may call (named after the device it fronts). */
  endpoint(name: string): number {
    const o = this.objects.find((x) => x.type === 'endpoint' && x.name === name);
    if (!o) throw new HilError('EPERM', `${this.name} holds no grant on endpoint "${name}"`);
    return o.handle;
  }
}

let current: UserRuntime | undefined;

/** The runtime of the current user thread (set by the bootstrap before the program loads). */
export function runtime(): UserRuntime {
  if (!current) throw new HilError('EPERM', 'not running in a hilbridge user thread (programs are started by Kernel.spawn)');
  return current;
}

export function setRuntime(rt: UserRuntime): void {
  current = rt;
}
