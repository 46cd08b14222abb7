/**
 * The built-in driver thread: runs the EEPROM driver for the device it serves (AT25 over SPI or
 * AT24 over I2C, chosen by the device's configuration) and answers the EEPROM service on that
 * device's endpoint. It runs confined like any user program and uses only what it was granted:
 * its bus device, its own partition, its endpoint.
 */
import { EEPROM_IFACE } from '../../abi/eeprom-iface';
import { HilError } from '../../abi/errno';
import { serveInterface } from '../../user/ipc';
import type { UserRuntime } from '../../user/runtime';
import { eepromService, openDriver } from '../eeprom-server';

export async function main(rt: UserRuntime): Promise<void> {
  if (rt.serves.length !== 1) {
    throw new HilError('EINVAL', `eeprom-server serves exactly one device; ${rt.name} was given ${rt.serves.length} (${rt.serves.join(', ')})`);
  }
  const name = rt.serves[0]!;
  const config = rt.config(name);
  // The device's WP line comes with its grant: the driver lifts it around its own writes only.
  const wp = rt.objects.find((o) => o.type === 'gpio' && o.name === `${name}-wp`);
  const dev = openDriver(config, config.kind === 'at25' ? rt.spi(name) : rt.i2c(name), rt.env, { wp: wp ? rt.gpio(wp.name) : undefined });
  await serveInterface(rt, name, EEPROM_IFACE, eepromService(dev, config, rt.env, (lease) => lease));
}
