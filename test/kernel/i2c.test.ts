/**
 * The I2C syscall: a thread granted an AT24 reaches that chip's addresses and no others.
 */
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE, reports } from '../helpers/kernel-board';
import { mockI2c } from '../helpers/mock-bus';

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel();
});
afterEach(async () => {
  await k.shutdown();
});

async function run(name: string, grants: string[], args: Record<string, unknown>): Promise<unknown> {
  const got = reports(k, name);
  await k.spawn(HOSTILE, { name, grants, args: { mode: 'i2c', device: 'eeprom1', ...args } });
  return (await got)[0];
}

it('a granted thread reads its AT24 through i2c_transfer', async () => {
  const bus = mockI2c(k, 'i2c0');
  const before = bus.log.length;
  expect(await run('reader', ['eeprom1'], { addr: 0x50 })).toMatchObject({ ok: true });
  expect(bus.log.length).toBe(before + 1);
});

it('an address outside the device node is refused with EPERM and never reaches the bus', async () => {
  const bus = mockI2c(k, 'i2c0');
  const before = bus.log.length;
  expect(await run('wanderer', ['eeprom1'], { addr: 0x51 })).toMatchObject({ ok: false, code: 'EPERM' });
  expect(bus.log.length).toBe(before);
  expect(k.threadInfo('wanderer').counters.denials).toBe(1);
});
