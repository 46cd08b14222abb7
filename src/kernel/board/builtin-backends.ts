/**
 * The backends hilbridge ships, as registry entries: simulated SPI, I2C and GPIO controllers
 * (device models, for the mock board and the tests), spidev, serprog, i2c-dev and the Linux GPIO
 * character device. Real backends load their native packages lazily, so a board that does not use
 * them never touches them.
 */
import type { At24Config, At25Config } from '../../abi/device-config';
import { busClockHz, chipSelect, controllerInfo, type DtNode, gpiochipNames, i2cDevBus, modelWriteCycleUs, propBool, propU32, serprogSettings, spidevBus } from '../../devicetree';
import { At24Model } from '../../hal/mock/at24-model';
import { At25Model } from '../../hal/mock/at25-model';
import { MockGpioController } from '../../hal/mock/gpio-controller';
import { MockI2cController } from '../../hal/mock/i2c-controller';
import { FileImage, ImageError, type MemoryStore } from '../../hal/mock/image';
import { MockSpiController } from '../../hal/mock/spi-controller';
import type { Clock } from '../../hal/clock';
import { type Backend, BackendConfigError, type BackendContext, BackendRegistry } from './backend';

/*
 * The hardware backends' modules are loaded when a board first opens one of their controllers:
 * a command on the mock board (or on a board with only spidev) does not pay for loading the
 * others (their native packages are loaded later still, see hal/native.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const spidev = (): typeof import('../../hal/spidev') => require('../../hal/spidev') as typeof import('../../hal/spidev');
const serprog = (): typeof import('../../hal/serprog') => require('../../hal/serprog') as typeof import('../../hal/serprog');
const i2cdev = (): typeof import('../../hal/i2cdev') => require('../../hal/i2cdev') as typeof import('../../hal/i2cdev');
const gpiochip = (): typeof import('../../hal/gpiochip') => require('../../hal/gpiochip') as typeof import('../../hal/gpiochip');
/* eslint-enable @typescript-eslint/no-require-imports */

/** What every simulated part takes from its node and the context: clock, write cycle, image. */
function modelOptions(ctx: BackendContext, node: DtNode, config: At24Config | At25Config): { clock: Clock; writeCycleUs: number; store?: MemoryStore } {
  const image = ctx.images.get(config.name);
  const base = { clock: ctx.clock, writeCycleUs: modelWriteCycleUs(node) ?? 5000 };
  if (!image) return base;
  try {
    return { ...base, store: FileImage.open(image, config.size) };
  } catch (e) {
    // A file that cannot back the part is the user's --image, not missing hardware.
    if (e instanceof ImageError) throw new BackendConfigError(e.code, e.message, { cause: e });
    throw e;
  }
}

export const MOCK_SPI: Backend = {
  bus: 'spi',
  compatible: 'hilbridge,mock-spi',
  name: 'mock',
  simulated: true,
  where: (node, dev) => `simulated SPI bus ${controllerInfo(node).name}, chip select ${chipSelect(dev)}`,
  async open(node, parts, ctx) {
    const info = controllerInfo(node);
    const bus = new MockSpiController({
      name: `mock-spi:${info.name}`,
      clock: ctx.clock,
      maxTransferBytes: info.maxTransferBytes ?? 4096,
      timing: propBool(node, 'hilbridge,timing-model'),
    });
    for (const p of parts) {
      const { size, pageSize, addressWidth } = p.config;
      bus.attach(p.chipSelect, new At25Model({ size, pageSize, addressWidth, ...modelOptions(ctx, p.node, p.config) }));
    }
    return bus;
  },
};

export const MOCK_I2C: Backend = {
  bus: 'i2c',
  compatible: 'hilbridge,mock-i2c',
  name: 'mock',
  simulated: true,
  where: (node) => `simulated I2C bus ${controllerInfo(node).name}`,
  async open(node, parts, ctx) {
    const info = controllerInfo(node);
    const hz = busClockHz(node);
    const bus = new MockI2cController({
      name: `mock-i2c:${info.name}`,
      clock: ctx.clock,
      timing: propBool(node, 'hilbridge,timing-model'),
      ...(info.maxTransferBytes !== undefined ? { maxTransferBytes: info.maxTransferBytes } : {}),
      ...(hz !== undefined ? { busHz: hz } : {}),
    });
    for (const p of parts) {
      const { size, pageSize, addressWidth, address } = p.config;
      bus.attach(new At24Model({ size, pageSize, addressWidth, address, ...modelOptions(ctx, p.node, p.config) }));
    }
    return bus;
  },
};

export const MOCK_GPIO: Backend = {
  bus: 'gpio',
  compatible: 'hilbridge,mock-gpio',
  name: 'mock',
  simulated: true,
  where: (node) => `simulated GPIO controller ${controllerInfo(node).name}`,
  async open(node) {
    return new MockGpioController(`mock-gpio:${controllerInfo(node).name}`, propU32(node, 'ngpios') ?? 32);
  },
};

export const SPIDEV: Backend = {
  bus: 'spi',
  compatible: 'brcm,bcm2835-spi',
  name: 'spidev',
  simulated: false,
  where: (node, dev) => `/dev/spidev${spidevBus(node)}.${chipSelect(dev)}`,
  open: async (node) => spidev().createSpidevController({ busNumber: spidevBus(node) }),
};

export const SERPROG: Backend = {
  bus: 'spi',
  compatible: 'hilbridge,serprog',
  name: 'serprog',
  simulated: false,
  where: (node, _dev, ctx) => `serprog ${ctx.serialPort ?? serprogSettings(node).port}`,
  async open(node, _parts, ctx) {
    const s = serprogSettings(node);
    return serprog().createSerprogController({ port: ctx.serialPort ?? s.port, baudRate: s.baudRate });
  },
};

export const I2C_DEV: Backend = {
  bus: 'i2c',
  compatible: 'brcm,bcm2835-i2c',
  name: 'i2c-dev',
  simulated: false,
  where: (node) => i2cDevBus(node).devPath,
  open: async (node) => i2cdev().createI2cDevController({ busNumber: i2cDevBus(node).bus }),
};

/** The Raspberry Pi's GPIO through the Linux GPIO character device, found by chip label. */
export const GPIOCHIP: Backend = {
  bus: 'gpio',
  compatible: 'brcm,bcm2835-gpio',
  name: 'gpiochip',
  simulated: false,
  where: (node) => `GPIO chip ${gpiochipNames(node).join(' or ')}`,
  open: async (node) => gpiochip().openGpioChip({ chip: gpiochipNames(node) }),
};

export const BUILTIN_BACKENDS: readonly Backend[] = [MOCK_SPI, MOCK_I2C, MOCK_GPIO, SPIDEV, SERPROG, I2C_DEV, GPIOCHIP];

/** A registry holding every built-in backend. */
export function builtinBackends(): BackendRegistry {
  return new BackendRegistry(BUILTIN_BACKENDS);
}
