/**
 * The simulated GPIO controller: quick get/set through line(n), model pins wired with connect(),
 * and explicit line requests that behave like a real chip's (one holder, outputs start at their
 * requested level, inputs refuse set, release returns the line to idle high).
 */
import { HilError } from '../../../src/abi/errno';
import { MockGpioController } from '../../../src/hal/mock/gpio-controller';

test('lines idle high; line(n) drives them and a connected pin sees every change', async () => {
  const c = new MockGpioController('mock-gpio:gpio', 8);
  const seen: number[] = [];
  c.connect(3, 1, (l) => seen.push(l));
  expect(await c.line(3).get()).toBe(1);
  await c.line(3).set(0);
  expect(await c.line(3).get()).toBe(0);
  expect(seen).toEqual([0]);
  expect(() => c.line(8)).toThrow(/has no line 8 \(it has 8\)/);
});

test('a requested output starts at its initial level; a second request is EBUSY naming the holder', async () => {
  const c = new MockGpioController('mock-gpio:gpio', 8);
  const seen: number[] = [];
  c.connect(2, 1, (l) => seen.push(l));
  const wp = await c.request(2, { consumer: 'hilbridge eeprom0-wp', direction: 'output', initial: 0 });
  expect(seen).toEqual([0]);
  expect(c.holder(2)).toBe('hilbridge eeprom0-wp');
  await wp.set(1);
  expect(await wp.get()).toBe(1);
  const again = await c.request(2, { direction: 'input' }).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(HilError);
  expect((again as HilError).code).toBe('EBUSY');
  expect((again as HilError).message).toMatch(/held by "hilbridge eeprom0-wp"/);
});

test('an input refuses set (EPERM) until reconfigured as an output', async () => {
  const c = new MockGpioController('mock-gpio:gpio', 8);
  const line = await c.request(5, { direction: 'input' });
  await expect(line.set(0)).rejects.toMatchObject({ code: 'EPERM' });
  await line.reconfigure({ direction: 'output', initial: 0 });
  expect(line.direction).toBe('output');
  expect(await c.line(5).get()).toBe(0);
});

test('release (or closing the controller) frees the line and returns it to idle high; a released handle is EBADF', async () => {
  const c = new MockGpioController('mock-gpio:gpio', 8);
  const a = await c.request(1, { direction: 'output', initial: 0 });
  await a.release();
  await a.release(); // idempotent
  expect(await c.line(1).get()).toBe(1);
  expect(c.holder(1)).toBeUndefined();
  await expect(a.get()).rejects.toMatchObject({ code: 'EBADF' });
  const b = await c.request(1, { direction: 'output', initial: 0 });
  await c.close();
  expect(await c.line(1).get()).toBe(1);
  await expect(b.set(0)).rejects.toMatchObject({ code: 'EBADF' });
  await c.request(1, { direction: 'input' }); // free again
});
