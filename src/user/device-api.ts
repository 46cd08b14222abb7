/**
 * The interfaces a driver is written against, whichever side of the privilege boundary it runs.
 *
 * In a user thread they are implemented by syscall stubs (`UserSpiDevice`, `UserI2cDevice`),
 * inside the kernel by direct adapters over the HAL (kernel/inkernel.ts). A driver that uses only
 * these runs unchanged in both places, which is what the user-mode-versus-in-kernel benchmark
 * compares.
 */
import type { SpiXfer } from '../abi/spi';

/** One SPI transfer as a driver describes it (the same shape as the HAL's `SpiTransfer`). */
export type SpiOp = SpiXfer;

export interface SpiDeviceApi {
  /** Most bytes one transaction may move. */
  readonly maxTransferBytes: number;
  /** Runs the transfers with chip select held; rx buffers are filled in place. */
  transaction(ops: readonly SpiOp[]): Promise<void>;
  /** Holds the bus across several transactions (released by `unlock`, or by the kernel after timeoutMs). */
  lock(timeoutMs: number): Promise<void>;
  unlock(): Promise<void>;
}

export interface I2cOp {
  /** 7-bit address; must lie in the range the device's node claims. */
  readonly addr: number;
  readonly read: boolean;
  readonly buf: Uint8Array;
}

export interface I2cDeviceApi {
  readonly maxTransferBytes: number;
  /** True when messages after the first are joined by a repeated START. */
  readonly repeatedStart: boolean;
  transfer(ops: readonly I2cOp[]): Promise<void>;
}

/** What a driver needs besides its bus: time and memory. */
export interface DriverEnv {
  /** Milliseconds on a monotonic clock. */
  nowMs(): number;
  sleepUs(us: number): Promise<void>;
  /**
   * A zeroed buffer the kernel can reach without copying: in a user thread it lies in the
   * thread's own partition; in the kernel it is plain memory.
   */
  alloc(len: number): Uint8Array;
}
