/**
 * Test-only direct devices: the driver-facing device API over a HAL device with no kernel in
 * between (the kernel's own in-kernel adapter, with no bus arbiter), counting transactions.
 *
 * Drivers under test get exactly the interfaces they get in a user thread, so tests of driver
 * logic run in-process and fast. `virtualEnv` makes `sleepUs` advance a virtual clock, so a
 * driver's busy-polling terminates without real sleeping.
 */
import type { Clock } from '../../src/hal/clock';
import type { I2cController } from '../../src/hal/i2c';
import type { SpiDevice } from '../../src/hal/spi';
import { i2cDeviceOverHal, kernelDriverEnv, spiDeviceOverHal } from '../../src/kernel/inkernel';
import type { BusBuffer, DriverEnv, I2cDeviceApi, I2cMessage, SpiDeviceApi, SpiTransfer } from '../../src/user/device-api';

export class DirectSpiDevice implements SpiDeviceApi {
  readonly maxTransferBytes: number;
  /** Transactions run so far (each would be one syscall in a user thread). */
  transactions = 0;
  private readonly api: SpiDeviceApi;
  constructor(dev: SpiDevice) {
    this.api = spiDeviceOverHal(dev);
    this.maxTransferBytes = this.api.maxTransferBytes;
  }
  async transfer(xfers: readonly SpiTransfer<BusBuffer>[]): Promise<void> {
    this.transactions++;
    await this.api.transfer(xfers);
  }
  lock(timeoutMs: number): Promise<void> {
    return this.api.lock(timeoutMs);
  }
  unlock(): Promise<void> {
    return this.api.unlock();
  }
}

export class DirectI2cDevice implements I2cDeviceApi {
  readonly maxTransferBytes: number;
  readonly repeatedStart: boolean;
  transactions = 0;
  private readonly api: I2cDeviceApi;
  constructor(bus: I2cController) {
    this.api = i2cDeviceOverHal(bus);
    this.maxTransferBytes = this.api.maxTransferBytes;
    this.repeatedStart = this.api.repeatedStart;
  }
  async transfer(msgs: readonly I2cMessage<BusBuffer>[]): Promise<void> {
    this.transactions++;
    await this.api.transfer(msgs);
  }
}

/** A driver environment on a (virtual) clock: sleeping advances it. */
export function virtualEnv(clock: Clock): DriverEnv & { allocated: number } {
  const env = {
    allocated: 0,
    nowMs: () => clock.nowUs() / 1000,
    sleepUs: async (us: number) => clock.advanceUs(us),
    alloc: (len: number) => {
      env.allocated += len;
      return new Uint8Array(len);
    },
    copy: kernelDriverEnv().copy,
  };
  return env;
}
