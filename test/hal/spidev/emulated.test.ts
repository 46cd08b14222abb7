/**
 * The spidev backend through the real spi-device addon: a child Node process runs SpidevController
 * with the hilemu shim preloaded, so spi-device's C++ code issues real open64/ioctl calls with real
 * spi_ioc_transfer structures, and an AT25 model answers on the other side of the shim.
 */
import { VirtualClock } from '../../../src/hal/clock';
import { AT25_OP, At25Model } from '../../../src/hal/mock/at25-model';
import { HilError } from '../../../src/abi/errno';
import { ModelServer, type SpiWireRecord } from '../../emu/model-server';
import { EmuHost, type RemoteSpiController, type RemoteSpiDevice } from '../../emu/remote';

const SPI_CPHA = 0x01;
const SPI_CPOL = 0x02;

let clock: VirtualClock;
let at25: At25Model;
let server: ModelServer;
let host: EmuHost;
let bus: RemoteSpiController;

beforeAll(async () => {
  clock = new VirtualClock();
  at25 = new At25Model({ size: 8192, pageSize: 32, addressWidth: 16, clock, writeCycleUs: 200 });
  server = await ModelServer.start({ clock, spi: { '/dev/spidev0.0': at25 } });
  host = await EmuHost.start({
    socketPath: server.socketPath,
    spidev: ['/dev/spidev0.0', '/dev/spidev0.1'],
    deny: ['/dev/spidev0.2'],
  });
  bus = await host.spidev(0);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

function lastSpi(): SpiWireRecord {
  const r = server.log[server.log.length - 1];
  if (r?.kind !== 'spi') throw new Error('no SPI record');
  return r;
}

async function open(mode: 0 | 1 | 2 | 3 = 0, maxSpeedHz = 2_000_000): Promise<RemoteSpiDevice> {
  return bus.openDevice({ chipSelect: 0, mode, maxSpeedHz });
}

async function waitReady(dev: RemoteSpiDevice): Promise<number> {
  for (let polls = 1; polls < 1000; polls++) {
    const rx = new Uint8Array(2);
    await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0), rx, len: 2 }]);
    if ((rx[1]! & 1) === 0) return polls;
  }
  throw new Error('write cycle never ended');
}

test('the limit derives from spidev bufsiz (sysfs absent here: the kernel default 4096) less the alignment reserve', () => {
  expect(bus.name).toBe('/dev/spidev0');
  expect(bus.maxTransferBytes).toBe(4096 - 256);
});

test('mode, bits and speed reach the device through the SPI_IOC_WR_* ioctls', async () => {
  const dev = await open(3, 2_000_000);
  expect(await dev.readOptions()).toMatchObject({ mode: 3, bitsPerWord: 8, maxSpeedHz: 2_000_000, lsbFirst: false });
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0), len: 2 }, { tx: Uint8Array.of(0), len: 1, speedHz: 1_000_000 }]);
  const rec = lastSpi();
  expect(rec.mode & (SPI_CPHA | SPI_CPOL)).toBe(3);
  expect(rec.xfers.map((x) => x.speedHz)).toEqual([2_000_000, 1_000_000]);
  expect(rec.xfers.map((x) => x.bitsPerWord)).toEqual([8, 8]);
  await dev.close();
  const dev0 = await open(0, 10_000_000);
  expect(await dev0.readOptions()).toMatchObject({ mode: 0, maxSpeedHz: 10_000_000 });
  await dev0.close();
});

test('AT25 round trip: WREN, WRITE, RDSR polling, READ (half and full duplex)', async () => {
  const dev = await open(0);
  const data = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.WREN), len: 1 }]);
  const sr = new Uint8Array(2);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0), rx: sr, len: 2 }]);
  expect(sr[1]! & 0x02).toBe(0x02); // WEL set by WREN's chip-select rise
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.WRITE, 0x01, 0x00), len: 3 }, { tx: data, len: data.length }]);
  expect(await waitReady(dev)).toBeGreaterThan(1); // the model was busy for a while
  expect(at25.memory.subarray(0x100, 0x120)).toEqual(data);

  const half = new Uint8Array(32);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0x01, 0x00), len: 3 }, { rx: half, len: 32 }]);
  expect(half).toEqual(data);
  // header and data reach the kernel as one transfer (merged: same wire traffic, see below)
  expect(lastSpi().xfers).toEqual([expect.objectContaining({ hasTx: true, hasRx: true, len: 35 })]);

  const tx = new Uint8Array(3 + 32);
  tx.set([AT25_OP.READ, 0x01, 0x00]);
  const full = new Uint8Array(35);
  await dev.transfer([{ tx, rx: full, len: 35 }]);
  expect(full.subarray(3)).toEqual(data);
  await dev.close();
});

test('csChange splits one message into two selections (WREN then WRITE in one ioctl)', async () => {
  const dev = await open(0);
  const before = at25.writeCycles;
  await dev.transfer([
    { tx: Uint8Array.of(AT25_OP.WREN), len: 1, csChange: true },
    { tx: Uint8Array.of(AT25_OP.WRITE, 0x02, 0x00, 0xa5, 0x5a), len: 5 },
  ]);
  expect(at25.writeCycles).toBe(before + 1);
  await waitReady(dev);
  expect(Array.from(at25.memory.subarray(0x200, 0x202))).toEqual([0xa5, 0x5a]);
  await dev.close();
});

test('parallel transactions on the thread pool all come back right', async () => {
  at25.memory.forEach((_, i) => (at25.memory[i] = (i * 31) & 0xff));
  const dev = await open(0);
  const reads = Array.from({ length: 12 }, async (_, k) => {
    const addr = k * 256;
    const rx = new Uint8Array(64);
    await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, addr >> 8, addr & 0xff), len: 3 }, { rx, len: 64 }]);
    return { addr, rx };
  });
  for (const { addr, rx } of await Promise.all(reads)) {
    expect(rx).toEqual(at25.memory.subarray(addr, addr + 64));
  }
  await dev.close();
});

test('a transaction above bufsiz is refused with EMSGSIZE and advice, not split', async () => {
  const dev = await open(0);
  const count = server.log.length;
  const err = await dev
    .transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0, 0), len: 3 }, { rx: new Uint8Array(4096), len: 4096 }])
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('EMSGSIZE');
  expect((err as HilError).message).toMatch(/spidev\.bufsiz/);
  expect(server.log.length).toBe(count); // nothing reached the bus
  // exactly maxTransferBytes is fine
  const max = dev.maxTransferBytes;
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0, 0), len: 3 }, { rx: new Uint8Array(max - 3), len: max - 3 }]);
  await expect(dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0, 0), len: 3 }, { rx: new Uint8Array(max - 2), len: max - 2 }])).rejects.toMatchObject({ code: 'EMSGSIZE' });
  await dev.close();
});

test("the kernel's own EMSGSIZE (per-transfer alignment) is mapped to the same advice", async () => {
  const dev = await open(0);
  // 70 one-byte commands (chip select toggles between them, so they cannot be merged): 70 bytes,
  // but spidev rounds each transfer up to its allocation alignment (64 here)
  const xfers = Array.from({ length: 70 }, () => ({ tx: Uint8Array.of(0), len: 1, csChange: true }));
  const err = await dev.transfer(xfers).catch((e: unknown) => e);
  expect((err as HilError).code).toBe('EMSGSIZE');
  expect((err as HilError).message).toMatch(/kernel refused/);
  expect((err as HilError).message).toMatch(/spidev\.bufsiz/);
  await dev.close();
});

test('a missing /dev/spidev is ENODEV with dtparam advice; EACCES names the spi group', async () => {
  const missing = await bus.openDevice({ chipSelect: 7, mode: 0, maxSpeedHz: 1e6 }).catch((e: unknown) => e);
  expect((missing as HilError).code).toBe('ENODEV');
  expect((missing as HilError).message).toMatch(/\/dev\/spidev0\.7 does not exist.*dtparam=spi=on/);
  const denied = await bus.openDevice({ chipSelect: 2, mode: 0, maxSpeedHz: 1e6 }).catch((e: unknown) => e);
  expect((denied as HilError).code).toBe('EACCES');
  expect((denied as HilError).message).toMatch(/usermod -aG spi/);
});

test('LSB-first on a controller without it (the Raspberry Pi) fails at open with EINVAL', async () => {
  const err = await bus.openDevice({ chipSelect: 1, mode: 0, maxSpeedHz: 1e6, lsbFirst: true }).catch((e: unknown) => e);
  expect((err as HilError).code).toBe('EINVAL');
  expect((err as HilError).message).toMatch(/does not support these settings/);
});

test('adjacent transfers are merged so per-transfer alignment cannot refuse a transaction that fits', async () => {
  at25.memory.forEach((_, i) => (at25.memory[i] = (i * 13) & 0xff));
  const dev = await open(0);
  // READ header then 100 eight-byte reads: 803 bytes, but unmerged the kernel would count
  // 100 × 64 bytes of rx buffer against bufsiz 4096 and refuse with EMSGSIZE
  const parts = Array.from({ length: 100 }, () => new Uint8Array(8));
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0, 0), len: 3 }, ...parts.map((rx) => ({ rx, len: 8 }))]);
  parts.forEach((rx, k) => expect(rx).toEqual(at25.memory.subarray(k * 8, k * 8 + 8)));
  expect(lastSpi().xfers.map((x) => x.len)).toEqual([803]);
  // chip-select changes still separate transfers
  const sr = new Uint8Array(2);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0), rx: sr, len: 2, csChange: true }, { tx: Uint8Array.of(AT25_OP.WRDI), len: 1 }]);
  expect(lastSpi().xfers.map((x) => x.len)).toEqual([2, 1]);
  await dev.close();
});

test('a chip select with no chip on it reads a floating bus (0xff)', async () => {
  const dev = await bus.openDevice({ chipSelect: 1, mode: 0, maxSpeedHz: 1e6 });
  const rx = new Uint8Array(4);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0, 0, 0), rx, len: 4 }]);
  expect(Array.from(rx)).toEqual([0xff, 0xff, 0xff, 0xff]);
  await dev.close();
});
