/**
 * The serprog backend through the real serialport package on a real pseudo-terminal, with an
 * emulated programmer and an AT25 model on the other end: sync, O_SPIOP round trips, and recovery
 * from a desynchronised stream, a NAK, a short answer, a silent programmer and a pulled cable.
 */
import { HilError } from '../../../src/abi/errno';
import { RealClock } from '../../../src/hal/clock';
import { AT25_OP, At25Model } from '../../../src/hal/mock/at25-model';
import type { SpiDevice } from '../../../src/hal/spi';
import { SerprogController } from '../../../src/hal/serprog';
import { CMD } from '../../../src/hal/serprog/protocol';
import { PtyProgrammer } from '../../emu/pty-programmer';

let at25: At25Model;
let prog: PtyProgrammer;
let ctl: SerprogController;
let dev: SpiDevice;

beforeEach(async () => {
  at25 = new At25Model({ size: 4096, pageSize: 32, addressWidth: 16, clock: new RealClock(), writeCycleUs: 1000 });
  prog = await PtyProgrammer.start({ chip: at25, name: 'hil-emu', maxWrite: 260 });
  ctl = await SerprogController.open({ port: prog.path, baudRate: 115200, timeoutMs: 300 });
  dev = await ctl.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 20_000_000 });
});

afterEach(async () => {
  await ctl?.close().catch(() => undefined);
  await prog?.unplug();
});

async function readBytes(addr: number, n: number): Promise<Uint8Array> {
  const rx = new Uint8Array(n);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, addr >> 8, addr & 0xff), len: 3 }, { rx, len: n }]);
  return rx;
}

async function writePage(addr: number, data: Uint8Array): Promise<void> {
  await dev.transfer([
    { tx: Uint8Array.of(AT25_OP.WREN), len: 1, csChange: true },
    { tx: Uint8Array.of(AT25_OP.WRITE, addr >> 8, addr & 0xff), len: 3 },
    { tx: data, len: data.length },
  ]);
  for (let i = 0; i < 1000; i++) {
    const sr = new Uint8Array(1);
    await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR), len: 1 }, { rx: sr, len: 1 }]);
    if ((sr[0]! & 1) === 0) return;
  }
  throw new Error('write cycle never ended');
}

test('open syncs and interrogates the programmer', () => {
  expect(ctl.name).toBe(`serprog:${prog.path}`);
  expect(ctl.info.name).toBe('hil-emu');
  expect(ctl.info.maxWrite).toBe(260);
  expect(ctl.maxTransferBytes).toBe(260);
  expect(prog.emulator.pinsEnabled).toBe(true);
  expect(prog.emulator.seen).toEqual(expect.arrayContaining([CMD.SYNCNOP, CMD.Q_IFACE, CMD.Q_CMDMAP, CMD.Q_BUSTYPE, CMD.Q_WRNMAXLEN, CMD.Q_RDNMAXLEN, CMD.S_BUSTYPE, CMD.S_PIN_STATE]));
});

test('AT25 round trip over O_SPIOP: WREN | WRITE, RDSR polling, READ; the clock is set with S_SPI_FREQ', async () => {
  const data = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
  await writePage(0x40, data);
  expect(at25.memory.subarray(0x40, 0x60)).toEqual(data);
  expect(await readBytes(0x40, 32)).toEqual(data);
  expect(prog.emulator.spiFreqHz).toBe(12_000_000); // asked 20 MHz, the programmer chose its best
  expect(ctl.actualHz).toBe(12_000_000);
});

test('full duplex and SPI modes 1/2 are refused with the reason', async () => {
  await expect(dev.transfer([{ tx: Uint8Array.of(5, 0), rx: new Uint8Array(2), len: 2 }])).rejects.toMatchObject({ code: 'ENOTSUP' });
  await expect(ctl.openDevice({ chipSelect: 0, mode: 1, maxSpeedHz: 1e6 })).rejects.toMatchObject({ code: 'ENOTSUP' });
  await expect(ctl.openDevice({ chipSelect: 1, mode: 0, maxSpeedHz: 1e6 })).rejects.toThrow(/one chip select/);
});

test('a desynchronised answer is EPROTO, and the next transaction runs on a re-synced stream', async () => {
  at25.memory.set([1, 2, 3, 4], 0x100);
  prog.emulator.garbageBeforeNextAnswer = [0x42, 0x99];
  const err = await readBytes(0x100, 4).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('EPROTO');
  expect(Array.from(await readBytes(0x100, 4))).toEqual([1, 2, 3, 4]);
});

test('a NAK is reported as a refusal and the link stays usable', async () => {
  prog.emulator.nakNext.add(CMD.O_SPIOP);
  await expect(readBytes(0, 4)).rejects.toThrow(/refused O_SPIOP \(NAK\)/);
  expect(await readBytes(0, 4)).toHaveLength(4);
});

test('a short answer times out, re-syncs, and does not hang', async () => {
  at25.memory.set([9, 8, 7, 6, 5, 4, 3, 2], 0x200);
  prog.emulator.shortNextSpiOp = 3;
  const t0 = Date.now();
  const err = await readBytes(0x200, 8).catch((e: unknown) => e);
  expect((err as HilError).code).toBe('ETIMEDOUT');
  expect((err as HilError).message).toMatch(/re-synchronised/);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(Array.from(await readBytes(0x200, 8))).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
});

test('a wedged programmer fails cleanly; once it answers again the next call re-syncs', async () => {
  prog.emulator.silent = true;
  const err = await readBytes(0, 4).catch((e: unknown) => e);
  expect((err as HilError).code).toBe('EIO');
  expect((err as HilError).message).toMatch(/does not answer SYNCNOP/);
  prog.emulator.silent = false;
  expect(await readBytes(0, 4)).toHaveLength(4);
});

test('a programmer that disappears gives ENODEV, not a hang', async () => {
  await prog.unplug();
  const err = await readBytes(0, 4).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect(['ENODEV', 'EIO']).toContain((err as HilError).code);
  expect((err as HilError).message).toMatch(/disappeared|does not answer/);
});
