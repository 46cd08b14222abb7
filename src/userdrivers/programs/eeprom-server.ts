/**
 * The built-in driver thread: runs the EEPROM driver for the device it serves (AT25 over SPI or
 * AT24 over I2C, chosen by the device's configuration) and answers EEPROM service requests on
 * that device's endpoint. Uses only the user-side library: syscalls, its own partition, its grants.
 */
import { HilError } from '../../abi/errno';
import { serve } from '../../user/ipc';
import type { UserRuntime } from '../../user/runtime';
import { At24Eeprom } from '../at24';
import { At25Eeprom } from '../at25';
import type { Eeprom } from '../eeprom';
import { eepromHandler } from '../eeprom-service';

export function openDriver(rt: UserRuntime, name: string): Eeprom {
  const cfg = rt.config(name);
  return cfg.kind === 'at25' ? new At25Eeprom(rt.spi(name), cfg, rt.env) : new At24Eeprom(rt.i2c(name), cfg, rt.env);
}

export async function main(rt: UserRuntime): Promise<void> {
  if (rt.serves.length !== 1) {
    throw new HilError('EINVAL', `eeprom-server serves exactly one device; ${rt.name} was given ${rt.serves.length} (${rt.serves.join(', ')})`);
  }
  const name = rt.serves[0]!;
  await serve(rt, name, eepromHandler(openDriver(rt, name)));
}
