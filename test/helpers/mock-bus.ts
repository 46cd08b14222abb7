/**
 * The simulated buses of a booted kernel, reached the way a tool would: through the kernel's
 * `controller(name)` (the backend's own handle), checked to be the mock backend.
 */
import { MockI2cController } from '../../src/hal/mock/i2c-controller';
import { MockSpiController } from '../../src/hal/mock/spi-controller';
import type { Kernel } from '../../src/kernel/kernel';

export function mockSpi(k: Kernel, bus: string): MockSpiController {
  const c = k.controller(bus);
  if (!(c instanceof MockSpiController)) throw new Error(`${bus} is not a simulated SPI bus`);
  return c;
}

export function mockI2c(k: Kernel, bus: string): MockI2cController {
  const c = k.controller(bus);
  if (!(c instanceof MockI2cController)) throw new Error(`${bus} is not a simulated I2C bus`);
  return c;
}
