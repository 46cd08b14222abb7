/**
 * The backend registry: turns a controller node into a HAL controller (mock, spidev, serprog,
 * i2c-dev). Real backends load their native packages lazily, so a board that does not use them
 * never touches them.
 */
import type { At24Config, At25Config } from '../abi/device-config';
import { HilError } from '../abi/errno';
import { type DtNode, nodePath, propU32 } from '../devicetree/tree';
import type { Clock } from '../hal/clock';
import type { I2cController } from '../hal/i2c';
import { At25Model } from '../hal/mock/at25-model';
import { FileImage } from '../hal/mock/image';
import { MockSpiController } from '../hal/mock/spi-controller';
import type { SpiController } from '../hal/spi';
import { deviceName } from './board-names';
import { controllerInfo } from './dt-configs';

export interface BackendContext {
  readonly clock: Clock;
  /** Device name → image file backing the mock model's memory (`--image NAME=FILE`). */
  readonly images: ReadonlyMap<string, string>;
  /** Mock controllers created, by bus name, so tests and tools can reach models and logs. */
  readonly mockSpi: Map<string, MockSpiController>;
}

export interface SpiPart {
  readonly node: DtNode;
  readonly cs: number;
  readonly config: At25Config;
}

export interface I2cPart {
  readonly node: DtNode;
  readonly config: At24Config;
}

export async function openSpiController(node: DtNode, parts: readonly SpiPart[], ctx: BackendContext): Promise<SpiController> {
  const info = controllerInfo(node);
  if (info?.backend === 'mock') {
    const bus = new MockSpiController({
      name: `mock-spi:${deviceName(node)}`,
      clock: ctx.clock,
      maxTransferBytes: propU32(node, 'max-transfer-bytes') ?? 4096,
    });
    for (const p of parts) {
      bus.attach(
        p.cs,
        new At25Model({
          size: p.config.size,
          pageSize: p.config.pageSize,
          addressWidth: p.config.addressWidth,
          clock: ctx.clock,
          writeCycleUs: propU32(p.node, 'hilbridge,model-write-cycle-us') ?? 5000,
          ...(ctx.images.has(p.config.name) ? { store: FileImage.open(ctx.images.get(p.config.name)!, p.config.size) } : {}),
        }),
      );
    }
    ctx.mockSpi.set(deviceName(node), bus);
    return bus;
  }
  throw new HilError('ENOTSUP', `${nodePath(node)}: the ${info?.backend ?? 'unknown'} SPI backend is not available in this build`);
}

export async function openI2cController(node: DtNode, _parts: readonly I2cPart[], _ctx: BackendContext): Promise<I2cController> {
  const info = controllerInfo(node);
  throw new HilError('ENOTSUP', `${nodePath(node)}: the ${info?.backend ?? 'unknown'} I2C backend is not available in this build`);
}
