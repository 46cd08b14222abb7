/**
 * The spidev backend's public face: build an SpiController for a Linux SPI bus from plain
 * parameters (the devicetree mapping lives elsewhere: a `brcm,bcm2835-spi` node with
 * `hilbridge,spidev-bus = <B>` becomes `createSpidevController({ busNumber: B })`).
 */
import type { SpiController } from '../spi';
import { SpidevController, type SpidevControllerOptions } from './controller';

export { SpidevController, SpidevDevice, type SpidevControllerOptions } from './controller';
export { readSpidevBufsiz, SPIDEV_ALIGN_RESERVE, SPIDEV_BUFSIZ_PATH, SPIDEV_DEFAULT_BUFSIZ, SPIDEV_MAX_TRANSFERS } from './bufsiz';

export interface SpidevParams extends SpidevControllerOptions {
  readonly busNumber: number;
}

export function createSpidevController(p: SpidevParams): SpiController {
  return new SpidevController(p.busNumber, p);
}
