/**
 * The i2c-dev backend through the real i2c-bus package: a child Node process runs I2cDevController
 * with the hilemu shim preloaded, so i2c-bus's own fs.open/fs.read/fs.write and its addon's
 * I2C_SLAVE/I2C_FUNCS ioctls hit the emulated /dev/i2c-1, where AT24 models answer.
 */
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import { At24Model } from '../../../src/hal/mock/at24-model';
import { ModelServer, type I2cWireRecord } from '../../emu/model-server';
import { EmuHost, type RemoteI2cController } from '../../emu/remote';

const I2C_FUNC_SMBUS_EMUL = 0x0eff0008;

let clock: VirtualClock;
let c32: At24Model; // AT24C32: 2-byte word address, one device address
let c16: At24Model; // AT24C16: 1-byte word address, A8..A10 in the device address (0x58..0x5f)
let server: ModelServer;
let host: EmuHost;
let bus: RemoteI2cController;

beforeAll(async () => {
  clock = new VirtualClock();
  c32 = new At24Model({ size: 4096, pageSize: 32, addressWidth: 16, address: 0x50, clock, writeCycleUs: 1000 });
  c16 = new At24Model({ size: 2048, pageSize: 16, addressWidth: 8, address: 0x58, clock, writeCycleUs: 1000 });
  server = await ModelServer.start({ clock, i2c: { '/dev/i2c-1': [c32, c16] } });
  host = await EmuHost.start({ socketPath: server.socketPath, i2c: ['/dev/i2c-1', '/dev/i2c-3'], deny: ['/dev/i2c-2'], i2cBusy: [0x68] });
  bus = await host.i2cdev(1);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

function recordsSince(n: number): I2cWireRecord[] {
  return server.log.slice(n).filter((r): r is I2cWireRecord => r.kind === 'i2c');
}

async function ackPoll(addr: number): Promise<number> {
  for (let polls = 1; polls < 500; polls++) {
    try {
      await bus.transfer([{ addr, read: false, buf: new Uint8Array(0) }]);
      return polls;
    } catch (e) {
      if ((e as HilError).code !== 'EREMOTEIO') throw e;
    }
  }
  throw new Error('device never acknowledged');
}

test('the adapter opens with its functionality checked; no repeated START through i2c-bus', () => {
  expect(bus.name).toBe('/dev/i2c-1');
  expect(bus.repeatedStart).toBe(false);
  expect(bus.maxTransferBytes).toBe(8192);
});

test('AT24C32: page write, acknowledge polling, random read as dummy write + separate read', async () => {
  const data = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
  const mark = server.log.length;
  await bus.transfer([{ addr: 0x50, read: false, buf: Uint8Array.of(0x01, 0x20, ...data) }]);
  expect(await ackPoll(0x50)).toBeGreaterThan(1); // NACKed while the write cycle ran
  expect(c32.memory.subarray(0x120, 0x140)).toEqual(data);

  const out = new Uint8Array(32);
  const before = server.log.length;
  await bus.transfer([
    { addr: 0x50, read: false, buf: Uint8Array.of(0x01, 0x20) },
    { addr: 0x50, read: true, buf: out },
  ]);
  expect(out).toEqual(data);
  // two separate START…STOP transfers on the wire, not one combined message
  const recs = recordsSince(before);
  expect(recs.map((r) => r.msgs.length)).toEqual([1, 1]);
  expect(recs.map((r) => r.msgs[0]!.read)).toEqual([false, true]);
  expect(recordsSince(mark).some((r) => r.status !== 0)).toBe(true);
});

test('AT24C16: the high address bits select the device address; the pointer survives the STOP', async () => {
  c16.memory.fill(0);
  c16.memory.set([0xde, 0xad, 0xbe, 0xef], 0x5a3);
  const out = new Uint8Array(4);
  await bus.transfer([
    { addr: 0x58 | (0x5a3 >> 8), read: false, buf: Uint8Array.of(0x5a3 & 0xff) },
    { addr: 0x58 | (0x5a3 >> 8), read: true, buf: out },
  ]);
  expect(Array.from(out)).toEqual([0xde, 0xad, 0xbe, 0xef]);
});

test('a missing device NACKs: EREMOTEIO with i2cdetect advice, nothing after it runs', async () => {
  const before = server.log.length;
  const err = await bus
    .transfer([
      { addr: 0x60, read: true, buf: new Uint8Array(2) },
      { addr: 0x50, read: true, buf: new Uint8Array(2) },
    ])
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('EREMOTEIO');
  expect((err as HilError).message).toMatch(/no acknowledge from the device at 0x60 on \/dev\/i2c-1.*i2cdetect -y 1/);
  expect(recordsSince(before)).toHaveLength(1);
});

test('oversize messages and bad addresses are refused before the bus', async () => {
  await expect(bus.transfer([{ addr: 0x50, read: true, buf: new Uint8Array(8193) }])).rejects.toMatchObject({ code: 'EMSGSIZE' });
  await expect(bus.transfer([{ addr: 0x80, read: true, buf: new Uint8Array(1) }])).rejects.toMatchObject({ code: 'EINVAL' });
});

test('an address claimed by a kernel driver is EBUSY with unbind advice', async () => {
  const err = await bus.transfer([{ addr: 0x68, read: true, buf: new Uint8Array(1) }]).catch((e: unknown) => e);
  expect((err as HilError).code).toBe('EBUSY');
  expect((err as HilError).message).toMatch(/claimed by a kernel driver.*unbind/);
});

test('missing bus: ENODEV with dtparam=i2c_arm=on; no permission: EACCES naming the i2c group', async () => {
  const missing = await host.i2cdev(7).catch((e: unknown) => e);
  expect((missing as HilError).code).toBe('ENODEV');
  expect((missing as HilError).message).toMatch(/\/dev\/i2c-7 does not exist.*dtparam=i2c_arm=on/);
  const denied = await host.i2cdev(2).catch((e: unknown) => e);
  expect((denied as HilError).code).toBe('EACCES');
  expect((denied as HilError).message).toMatch(/usermod -aG i2c/);
});

test('an SMBus-only adapter is refused at open (I2C_FUNCS lacks I2C_FUNC_I2C)', async () => {
  const smbusHost = await EmuHost.start({ socketPath: server.socketPath, i2c: ['/dev/i2c-3'], i2cFuncs: I2C_FUNC_SMBUS_EMUL });
  try {
    const err = await smbusHost.i2cdev(3).catch((e: unknown) => e);
    expect((err as HilError).code).toBe('ENOTSUP');
    expect((err as HilError).message).toMatch(/SMBus-only adapter/);
  } finally {
    await smbusHost.stop();
  }
});
