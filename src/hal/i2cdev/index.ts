/**
 * The i2c-dev backend's public face: build an I2cController for a Linux I2C adapter from its bus
 * number (a `brcm,bcm2835-i2c` node with `hilbridge,i2c-bus = <N>` maps to
 * `createI2cDevController({ busNumber: N })`).
 */
import type { I2cController } from '../i2c';
import { I2cDevController } from './controller';

export { I2cDevController, I2CDEV_MAX_MESSAGE } from './controller';

export interface I2cDevParams {
  readonly busNumber: number;
}

export function createI2cDevController(p: I2cDevParams): Promise<I2cController> {
  return I2cDevController.open(p.busNumber);
}
