/**
 * The interfaces a driver is written against, whichever side of the privilege boundary it runs.
 *
 * In a user thread they are implemented by syscall stubs (user/spi.ts, user/i2c.ts), inside the
 * kernel by one direct adapter over the HAL (kernel/inkernel.ts). A driver that uses only these
 * runs unchanged in both places, which is what the user-mode-versus-in-kernel benchmark compares.
 *
 * Buffers are `BusBuffer`s: a driver's own bytes, or a window of a buffer a client lent it for
 * the call it is serving (a lease), which the bus fills or empties without the driver copying.
 */
import type { I2cMessage } from '../abi/i2c';
import type { BusBuffer } from '../abi/lease';
import type { SpiTransfer } from '../abi/spi';

export type { BusBuffer, LeaseWindow } from '../abi/lease';
export type { SpiTransfer } from '../abi/spi';
export type { I2cMessage } from '../abi/i2c';

export interface SpiDeviceApi {
  /** Most bytes one transaction may move. */
  readonly maxTransferBytes: number;
  /** One transaction: the transfers run with chip select held; rx buffers are filled in place. */
  transfer(xfers: readonly SpiTransfer<BusBuffer>[]): Promise<void>;
  /** Holds the bus across several transactions (released by `unlock`, or by the kernel after timeoutMs). */
  lock(timeoutMs: number): Promise<void>;
  unlock(): Promise<void>;
}

export interface I2cDeviceApi {
  /** Most bytes in one message. */
  readonly maxTransferBytes: number;
  /** True when messages after the first are joined by a repeated START. */
  readonly repeatedStart: boolean;
  /** One transfer; addresses must lie in the range the device's node claims. */
  transfer(msgs: readonly I2cMessage<BusBuffer>[]): Promise<void>;
}

/** A control line as a driver uses it (an EEPROM's WP): logical levels, 1 = asserted. */
export interface ControlLine {
  get(): Promise<0 | 1>;
  set(value: 0 | 1): Promise<void>;
}

/** What a driver needs besides its bus: time, memory, and bytes of buffers it was lent. */
export interface DriverEnv {
  /** Milliseconds on a monotonic clock. */
  nowMs(): number;
  sleepUs(us: number): Promise<void>;
  /**
   * A zeroed buffer the kernel can reach without copying: in a user thread it lies in the
   * thread's own partition; in the kernel it is plain memory.
   */
  alloc(len: number): Uint8Array;
  /** Copies min(dst, src) bytes from any bus buffer (a lease window included) into dst. */
  copy(dst: Uint8Array, src: BusBuffer): Promise<void>;
}
