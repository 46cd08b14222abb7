/**
 * The backend registry: turns a controller node into a HAL controller (mock, spidev, serprog,
 * i2c-dev). Real backends load their native packages lazily, so a board that does not use them
 * never touches them.
 */
import type { At24Config, At25Config } from '../abi/device-config';
import { type DtNode, type I2cControllerInfo, modelWriteCycleUs, type SpiControllerInfo } from '../devicetree';
import type { Clock } from '../hal/clock';
import type { I2cController } from '../hal/i2c';
import { createI2cDevController } from '../hal/i2cdev';
import { At24Model } from '../hal/mock/at24-model';
import { At25Model } from '../hal/mock/at25-model';
import { MockI2cController } from '../hal/mock/i2c-controller';
import { FileImage, type MemoryStore } from '../hal/mock/image';
import { MockSpiController } from '../hal/mock/spi-controller';
import type { SpiController } from '../hal/spi';
import { createSerprogController } from '../hal/serprog';
import { createSpidevController } from '../hal/spidev';

export interface BackendContext {
  readonly clock: Clock;
  /** Device name → image file backing the mock model's memory (`--image NAME=FILE`). */
  readonly images: ReadonlyMap<string, string>;
  /** Mock controllers created, by bus name, so tests and tools can reach models and logs. */
  readonly mockSpi: Map<string, MockSpiController>;
  readonly mockI2c: Map<string, MockI2cController>;
  /** Overrides of backend parameters from the command line (e.g. `--port`). */
  readonly serialPort?: string | undefined;
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

/** What every simulated part takes from its node and the context: clock, write cycle, image. */
function modelOptions(ctx: BackendContext, node: DtNode, config: At24Config | At25Config): { clock: Clock; writeCycleUs: number; store?: MemoryStore } {
  const image = ctx.images.get(config.name);
  const base = { clock: ctx.clock, writeCycleUs: modelWriteCycleUs(node) ?? 5000 };
  return image ? { ...base, store: FileImage.open(image, config.size) } : base;
}

export async function openSpiController(info: SpiControllerInfo, parts: readonly SpiPart[], ctx: BackendContext): Promise<SpiController> {
  switch (info.kind) {
    case 'mock': {
      const bus = new MockSpiController({
        name: `mock-spi:${info.name}`,
        clock: ctx.clock,
        maxTransferBytes: info.maxTransferBytes ?? 4096,
      });
      for (const p of parts) {
        const { size, pageSize, addressWidth } = p.config;
        bus.attach(p.cs, new At25Model({ size, pageSize, addressWidth, ...modelOptions(ctx, p.node, p.config) }));
      }
      ctx.mockSpi.set(info.name, bus);
      return bus;
    }
    case 'spidev':
      return createSpidevController({ busNumber: info.bus });
    case 'serprog':
      return createSerprogController({ port: ctx.serialPort ?? info.port, baudRate: info.baudRate });
  }
}

export async function openI2cController(info: I2cControllerInfo, parts: readonly I2cPart[], ctx: BackendContext): Promise<I2cController> {
  switch (info.kind) {
    case 'mock': {
      const bus = new MockI2cController({
        name: `mock-i2c:${info.name}`,
        clock: ctx.clock,
        ...(info.maxTransferBytes !== undefined ? { maxTransferBytes: info.maxTransferBytes } : {}),
      });
      for (const p of parts) {
        const { size, pageSize, addressWidth, address } = p.config;
        bus.attach(new At24Model({ size, pageSize, addressWidth, address, ...modelOptions(ctx, p.node, p.config) }));
      }
      ctx.mockI2c.set(info.name, bus);
      return bus;
    }
    case 'i2c-dev':
      return createI2cDevController({ busNumber: info.bus });
  }
}
