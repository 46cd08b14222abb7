/**
 * GPIO objects: a device's wp-gpios line is a kernel object granted with the device; the gpio
 * syscalls take logical values (1 = asserted) and the mock board wires the line to the
 * simulated part's WP pin.
 */
import type { At25Model } from '../../src/hal/mock/at25-model';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE, reports } from '../helpers/kernel-board';
import { mockSpi } from '../helpers/mock-bus';

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel();
});
afterEach(async () => {
  await k.shutdown();
});

it('a thread granted eeprom2 drives its active-low WP line, and the part sees it', async () => {
  const model = mockSpi(k, 'spi0').model(1) as At25Model;
  expect(model.wpPin).toBe(true); // idle: not asserted
  const got = reports(k, 'wp-driver');
  await k.spawn(HOSTILE, { name: 'wp-driver', grants: ['eeprom2'], args: { mode: 'gpio', line: 'eeprom2-wp', value: 1 } });
  expect((await got)[0]).toEqual({ level: 1 });
  expect(model.wpPin).toBe(false); // asserted = physically low
  expect(k.threadInfo('wp-driver').grants).toContain('gpio:eeprom2-wp');
});

it('a thread without the device gets EPERM on its WP line', async () => {
  const model = mockSpi(k, 'spi0').model(1) as At25Model;
  expect(k.threadInfo('eeprom0_driver').grants).not.toContain('gpio:eeprom2-wp');
  const got = reports(k, 'intruder');
  const handle = k.objectHandle('eeprom2-wp');
  await k.spawn(HOSTILE, { name: 'intruder', grants: ['eeprom0'], args: { mode: 'gpio', handle } });
  expect((await got)[0]).toMatchObject({ ok: false, code: 'EPERM' });
  expect(model.wpPin).toBe(true);
});
