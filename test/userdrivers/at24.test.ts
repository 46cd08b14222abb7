/**
 * AT24 driver by its exact bus traffic: block-select device addresses, word-address sizes, page
 * and block splitting, acknowledge polling, and checks that send nothing.
 */
import { HilError } from '../../src/abi/errno';
import { VirtualClock } from '../../src/hal/clock';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { partByName, partConfig, type At24Part } from '../../src/devicetree/parts';
import { At24Model } from '../../src/hal/mock/at24-model';
import { MockI2cController } from '../../src/hal/mock/i2c-controller';
import { DirectI2cDevice, virtualEnv } from '../helpers/direct-device';
import { ScriptedI2c } from '../helpers/scripted';

const part = (n: string) => partByName(n) as At24Part;

function driver(name: string, i2c: ScriptedI2c, opts: { readOnly?: boolean; address?: number; timeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  return { e: new At24Eeprom(i2c, partConfig(part(name), opts), virtualEnv(clock)), clock };
}

test('AT24C16: page and block splitting, block bits in the device address, acknowledge polling, verify', async () => {
  const i2c = new ScriptedI2c([
    { msgs: [{ addr: 0x52, write: [0xfe, 0xa, 0xb] }] },
    { msgs: [{ addr: 0x53, write: [0x00, 0xc] }], nack: true }, // still in the first write cycle
    { msgs: [{ addr: 0x53, write: [0x00, 0xc] }] },
    { msgs: [{ addr: 0x52, write: [0xfe] }, { addr: 0x52, read: [0xa, 0xb] }] },
    { msgs: [{ addr: 0x53, write: [0x00] }, { addr: 0x53, read: [0xc] }] },
  ]);
  const { e } = driver('AT24C16', i2c);
  await e.write(0x2fe, Uint8Array.of(0xa, 0xb, 0xc));
  i2c.done();
});

test('AT24C256: two-byte word address; without verify the last cycle is awaited with a dummy write', async () => {
  const i2c = new ScriptedI2c([
    { msgs: [{ addr: 0x50, write: [0x12, 0x34, 0x99] }] },
    { msgs: [{ addr: 0x50, write: [0x12, 0x34] }], nack: true },
    { msgs: [{ addr: 0x50, write: [0x12, 0x34] }] },
  ]);
  const { e } = driver('AT24C256', i2c);
  await e.write(0x1234, Uint8Array.of(0x99), { verify: false });
  i2c.done();
});

test('AT24CM01 at 0x54: A16 selects 0x55', async () => {
  const i2c = new ScriptedI2c([{ msgs: [{ addr: 0x55, write: [0x00, 0x10] }, { addr: 0x55, read: [1, 2] }] }]);
  const { e } = driver('AT24CM01', i2c, { address: 0x54 });
  expect(await e.read(0x10010, 2)).toEqual(Uint8Array.of(1, 2));
  i2c.done();
});

test('reads are chunked to the message limit', async () => {
  const i2c = new ScriptedI2c(
    [
      { msgs: [{ addr: 0x50, write: [0x00] }, { addr: 0x50, read: [0, 1, 2, 3] }] },
      { msgs: [{ addr: 0x50, write: [0x04] }, { addr: 0x50, read: [4, 5] }] },
    ],
    false,
    4,
  );
  const { e } = driver('AT24C02', i2c);
  expect(await e.read(0, 6)).toEqual(Uint8Array.of(0, 1, 2, 3, 4, 5));
  i2c.done();
});

test('a chip that never acknowledges is ETIMEDOUT after the node timeout', async () => {
  const script = Array.from({ length: 200 }, () => ({ msgs: [{ addr: 0x50, write: [0x00], read: undefined }, { addr: 0x50, read: [0] }], nack: true }));
  const i2c = new ScriptedI2c(script);
  const { e, clock } = driver('AT24C02', i2c, { timeoutMs: 5 });
  await expect(e.read(0, 1)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  expect(clock.nowUs()).toBeGreaterThanOrEqual(5000);
  expect(clock.nowUs()).toBeLessThan(6000);
});

test('status: busy when the address is not acknowledged; setProtection is ENOTSUP; read-only sends nothing', async () => {
  const i2c = new ScriptedI2c([{ msgs: [{ addr: 0x50, read: [0xff] }] }, { msgs: [{ addr: 0x50, read: [0xff] }], nack: true }]);
  const { e } = driver('AT24C02', i2c, { readOnly: true });
  expect(await e.status()).toEqual({ busy: false, blocks: 'none' });
  expect(await e.status()).toEqual({ busy: true, blocks: 'none' });
  await expect(e.setProtection({ blocks: 'all' })).rejects.toMatchObject({ code: 'ENOTSUP' });
  await expect(e.write(0, Uint8Array.of(1))).rejects.toMatchObject({ code: 'EROFS' });
  await expect(e.erase(0, 300)).rejects.toMatchObject({ code: 'EINVAL' });
  i2c.done();
});

test('refuses configurations that cannot work', () => {
  const env = virtualEnv(new VirtualClock());
  const cfg = partConfig(part('AT24C16'));
  expect(() => new At24Eeprom(new ScriptedI2c([]), { ...cfg, address: 0x74 }, env)).toThrow(HilError);
  expect(() => new At24Eeprom(new ScriptedI2c([], true, 1), cfg, env)).toThrow(/at most 1/);
  expect(() => new At24Eeprom(new ScriptedI2c([]), { ...cfg, size: 4096 }, env)).toThrow(/device addresses/);
});

describe('the write-cycle estimate', () => {
  /** An AT24C256 on a mock bus whose driver's timers fire `lateUs` late, as a Node timer does. */
  async function lateTimers(writeCycleUs: number, lateUs: number) {
    const clock = new VirtualClock();
    const bus = new MockI2cController({ name: 'mock-i2c', clock, repeatedStart: true, maxTransferBytes: 8192 });
    const cfg = partConfig(part('AT24C256'));
    bus.attach(new At24Model({ ...part('AT24C256'), address: cfg.address, clock, writeCycleUs }));
    const sleeps: number[] = [];
    const env = { ...virtualEnv(clock), sleepUs: async (us: number) => (sleeps.push(us), clock.advanceUs(us + lateUs)) };
    return { e: new At24Eeprom(new DirectI2cDevice(bus), cfg, env, { pollIntervalUs: 250 }), clock, sleeps };
  }

  test('does not grow by its own timer lateness: pages cost about the write cycle', async () => {
    const { e, clock } = await lateTimers(3000, 1000);
    const page = new Uint8Array(64).fill(0x5a);
    for (let i = 0; i < 16; i++) await e.write(i * 64, page, { verify: false });
    const t0 = clock.nowUs();
    for (let i = 16; i < 64; i++) await e.write(i * 64, page, { verify: false });
    // 3 ms of cycle, about 1.6 ms of bus at 400 kHz, and at worst one late timer; a growing
    // estimate settles near (cycle + lateness) / 0.15 instead.
    expect((clock.nowUs() - t0) / 48).toBeLessThan(6000);
  });

  test('a part that is ready at once is never slept for', async () => {
    const { e, sleeps } = await lateTimers(0, 1000);
    const page = new Uint8Array(64).fill(0xa5);
    for (let i = 0; i < 32; i++) await e.write(i * 64, page, { verify: false });
    expect(sleeps).toEqual([]);
  });
});
