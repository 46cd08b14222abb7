/**
 * Test-only direct adapters: the driver-facing device API (`SpiDeviceApi`, `I2cDeviceApi`,
 * `DriverEnv`) implemented straight over a HAL device, with no kernel in between.
 *
 * Drivers under test get exactly the interfaces they get in a user thread, so tests of driver
 * logic run in-process and fast. `virtualEnv` makes `sleepUs` advance a virtual clock, so a
 * driver's busy-polling terminates without real sleeping.
 */
import type { Clock } from '../../src/hal/clock';
import type { I2cController } from '../../src/hal/i2c';
import type { SpiDevice } from '../../src/hal/spi';
import type { DriverEnv, I2cDeviceApi, I2cOp, SpiDeviceApi, SpiOp } from '../../src/user/device-api';

export class DirectSpiDevice implements SpiDeviceApi {
  readonly maxTransferBytes: number;
  /** Transactions run so far (each would be one syscall in a user thread). */
  transactions = 0;
  constructor(private readonly dev: SpiDevice) {
    this.maxTransferBytes = dev.maxTransferBytes;
  }
  async transaction(ops: readonly SpiOp[]): Promise<void> {
    this.transactions++;
    await this.dev.transfer(ops);
  }
  async lock(): Promise<void> {
    /* one caller in a test */
  }
  async unlock(): Promise<void> {
    /* one caller in a test */
  }
}

export class DirectI2cDevice implements I2cDeviceApi {
  readonly maxTransferBytes: number;
  readonly repeatedStart: boolean;
  transactions = 0;
  constructor(private readonly bus: I2cController) {
    this.maxTransferBytes = bus.maxTransferBytes;
    this.repeatedStart = bus.repeatedStart;
  }
  async transfer(ops: readonly I2cOp[]): Promise<void> {
    this.transactions++;
    await this.bus.transfer(ops);
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
  };
  return env;
}
