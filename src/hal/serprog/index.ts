/**
 * The serprog backend's public face: an SpiController behind a serial SPI programmer, built from
 * plain parameters (a `hilbridge,serprog` node's `port` and `baud-rate`, or the CLI's `--port`).
 */
import type { SpiController } from '../spi';
import { SerprogController, type SerprogOptions } from './controller';

export { SerprogController, type SerprogInfo, type SerprogOptions } from './controller';
export { SerprogClient, SerprogNak } from './client';
export { ByteQueue, type ByteChannel } from './channel';
export * as serprogProtocol from './protocol';

export function createSerprogController(p: SerprogOptions): Promise<SpiController> {
  return SerprogController.open(p);
}
