/**
 * The SPI hardware interface every backend implements (mock, spidev, serprog).
 *
 * Split as embedded-hal splits it: an `SpiController` owns the wires of one bus, an `SpiDevice`
 * is one chip select on it. A transaction is a list of transfers run with chip select held
 * (spidev's SPI_IOC_MESSAGE semantics, including `csChange`). Locking between threads is the
 * kernel's job, not the backend's: a backend sees one transaction at a time.
 */
import type { SpiTransfer } from '../abi/spi';
import type { PartPins } from './gpio';

export type { SpiTransfer };

export type SpiMode = 0 | 1 | 2 | 3;

export interface SpiDeviceOptions {
  readonly chipSelect: number;
  readonly mode: SpiMode;
  readonly maxSpeedHz: number;
  readonly bitsPerWord?: number;
  readonly lsbFirst?: boolean;
}

export interface SpiDevice {
  /** Most bytes one transaction may move (spidev's bufsiz); the kernel splits or refuses above it. */
  readonly maxTransferBytes: number;
  transfer(xfers: readonly SpiTransfer[]): Promise<void>;
  close(): Promise<void>;
}

export interface SpiController {
  /** A name for logs and errors, e.g. "/dev/spidev0" or "mock-spi@0". */
  readonly name: string;
  openDevice(opts: SpiDeviceOptions): Promise<SpiDevice>;
  /** Simulated buses only: the control pins of the part on a chip select. */
  pins?(chipSelect: number): PartPins | undefined;
  close(): Promise<void>;
}
