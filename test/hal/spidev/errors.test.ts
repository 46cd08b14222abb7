/**
 * spidev error mapping, on this machine's real kernel: without SPI enabled /dev/spidev9.0 does not
 * exist, so spi-device's real open(2) fails with ENOENT and the backend must say how to enable SPI.
 */
import { existsSync } from 'node:fs';
import { HilError } from '../../../src/abi/errno';
import { SpidevController } from '../../../src/hal/spidev';
import { spidevError } from '../../../src/hal/spidev/errors';

const noSpi = !existsSync('/dev/spidev9.0');

(noSpi ? test : test.skip)('opening a missing /dev/spidev gives ENODEV with dtparam advice', async () => {
  const bus = new SpidevController(9);
  const err = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1_000_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('ENODEV');
  expect((err as HilError).message).toMatch(/\/dev\/spidev9\.0 does not exist/);
  expect((err as HilError).message).toMatch(/dtparam=spi=on/);
});

test('EACCES says which group to join', () => {
  const e = Object.assign(new Error('EACCES, Permission denied'), { code: 'EACCES' });
  const h = spidevError(e, '/dev/spidev0.0', 'open');
  expect(h.code).toBe('EACCES');
  expect(h.message).toMatch(/usermod -aG spi/);
});

test('EMSGSIZE says to raise spidev.bufsiz', () => {
  const e = Object.assign(new Error('EMSGSIZE'), { code: 'EMSGSIZE' });
  const h = spidevError(e, '/dev/spidev0.0', 'transfer', 4096);
  expect(h.code).toBe('EMSGSIZE');
  expect(h.message).toMatch(/spidev\.bufsiz/);
});

test('invalid options are refused before touching the kernel', async () => {
  const bus = new SpidevController(9);
  await expect(bus.openDevice({ chipSelect: 0, mode: 4 as 0, maxSpeedHz: 1e6 })).rejects.toMatchObject({ code: 'EINVAL' });
  await expect(bus.openDevice({ chipSelect: -1, mode: 0, maxSpeedHz: 1e6 })).rejects.toMatchObject({ code: 'EINVAL' });
  expect(() => new SpidevController(-1)).toThrow(HilError);
});
