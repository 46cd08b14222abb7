/**
 * The one adapter from the HAL to the driver-facing device API, for drivers that run inside the
 * kernel (the in-kernel placement the benchmark compares with user mode, the hardware checks of
 * `npm run test:hw`) and for tests that drive a HAL device directly. With an arbiter, every
 * transaction takes the bus lock like a syscall would; without one, the caller owns the bus.
 *
 * In the kernel a lease is plain memory, so only Uint8Array buffers reach these adapters; a lease
 * window (a user-mode notion) is refused.
 */
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import type { SpiTransfer } from '../abi/spi';
import type { I2cController } from '../hal/i2c';
import type { SpiDevice } from '../hal/spi';
import type { DriverEnv, I2cDeviceApi, SpiDeviceApi } from '../user/device-api';
import type { BusArbiter } from './bus-arbiter';

function bytes(b: BusBuffer): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new HilError('EINVAL', 'a lease window reached an in-kernel device: in the kernel, lent memory is a plain Uint8Array');
  return b;
}

function plain(x: SpiTransfer<BusBuffer>): SpiTransfer {
  if ((x.tx === undefined || x.tx instanceof Uint8Array) && (x.rx === undefined || x.rx instanceof Uint8Array)) return x as SpiTransfer;
  return { ...x, tx: x.tx && bytes(x.tx), rx: x.rx && bytes(x.rx) };
}

export interface BusOwnership {
  readonly arbiter: BusArbiter;
  /** The name the arbiter knows the in-kernel user by. */
  readonly owner: string;
}

/** An SPI device API straight over a HAL device. */
export function spiDeviceOverHal(dev: SpiDevice, bus?: BusOwnership): SpiDeviceApi {
  const run = (fn: () => Promise<void>): Promise<void> => (bus ? bus.arbiter.run(bus.owner, fn) : fn());
  return {
    maxTransferBytes: dev.maxTransferBytes,
    transfer: (xfers) => run(() => dev.transfer(xfers.map(plain))),
    lock: async (timeoutMs) => {
      if (bus) await bus.arbiter.lock(bus.owner, timeoutMs, () => undefined);
    },
    unlock: async () => {
      if (bus) bus.arbiter.unlock(bus.owner);
    },
  };
}

/** An I2C device API straight over a HAL controller. */
export function i2cDeviceOverHal(ctl: I2cController, bus?: BusOwnership): I2cDeviceApi {
  const run = (fn: () => Promise<void>): Promise<void> => (bus ? bus.arbiter.run(bus.owner, fn) : fn());
  return {
    maxTransferBytes: ctl.maxTransferBytes,
    repeatedStart: ctl.repeatedStart,
    transfer: (msgs) => run(() => ctl.transfer(msgs.map((m) => ({ ...m, buf: bytes(m.buf) })))),
  };
}

/** The driver environment of in-kernel drivers: the real clock, timers, plain memory. */
export function kernelDriverEnv(): DriverEnv {
  return {
    nowMs: () => performance.now(),
    sleepUs: (us) => new Promise((resolve) => setTimeout(resolve, us / 1000)),
    alloc: (len) => new Uint8Array(len),
    copy: async (dst, src) => {
      const s = bytes(src);
      dst.set(s.length > dst.length ? s.subarray(0, dst.length) : s);
    },
  };
}
