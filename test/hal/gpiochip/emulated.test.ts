/**
 * The GPIO character-device backend through its real binding: a child Node process runs
 * openGpioChip/listGpioChips with the hilemu shim preloaded, so koffi's open/ioctl/close calls carry
 * real gpio_v2 structures to emulated /dev/gpiochipN nodes. Line level changes reach the model
 * server in order with the SPI traffic, and a line wired to the AT25 model's WP or HOLD pin acts on
 * the chip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import { LINE_FLAG } from '../../../src/hal/gpiochip/uapi';
import { AT25_OP, AT25_SR, At25Model } from '../../../src/hal/mock/at25-model';
import { ModelServer, type WireRecord } from '../../emu/model-server';
import { EmuHost, type RemoteGpioController, type RemoteSpiController } from '../../emu/remote';

const CHIP0 = '/dev/gpiochip0';
const WP_LINE = 25;
const HOLD_LINE = 24;

let clock: VirtualClock;
let at25: At25Model;
let server: ModelServer;
let host: EmuHost;

beforeAll(async () => {
  clock = new VirtualClock();
  at25 = new At25Model({ size: 8192, pageSize: 32, addressWidth: 16, clock, writeCycleUs: 100 });
  server = await ModelServer.start({ clock, spi: { '/dev/spidev0.0': at25 } });
  server.wirePin(CHIP0, WP_LINE, at25, 'wp');
  server.wirePin(CHIP0, HOLD_LINE, at25, 'hold');
  host = await EmuHost.start({
    socketPath: server.socketPath,
    spidev: ['/dev/spidev0.0'],
    gpiochips: [
      { path: CHIP0, label: 'pinctrl-bcm2711', lines: 58 },
      { path: '/dev/gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 },
      { path: '/dev/gpiochip2', label: 'locked-away', lines: 4 },
    ],
    gpioBusy: [{ path: CHIP0, line: 7, consumer: 'spi0 CS1' }, { path: CHIP0, line: 8 }],
    deny: ['/dev/gpiochip2'],
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

async function error(p: Promise<unknown>): Promise<HilError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HilError);
  return e as HilError;
}

const gpioSince = (n: number): WireRecord[] => server.log.slice(n).filter((r) => r.kind === 'gpio');

test('listGpioChips reads every chip node: kernel name, label, lines; an unreadable one says why', async () => {
  const chips = await host.listGpioChips();
  expect(chips.map(({ path, name, label, lines }) => ({ path, name, label, lines }))).toEqual([
    { path: '/dev/gpiochip0', name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
    { path: '/dev/gpiochip1', name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 },
    { path: '/dev/gpiochip2', name: 'gpiochip2', label: '', lines: 0 },
  ]);
  expect(chips[2]!.error).toMatchObject({ code: 'EACCES' });
  expect(chips[2]!.error!.message).toMatch(/gpio group/);
  expect(chips.slice(0, 2).every((c) => c.error === undefined)).toBe(true);
});

test('a chip is found by label, by the first of several labels that exists, or by path', async () => {
  const byLabel = await host.gpiochip('pinctrl-bcm2711');
  expect([byLabel.path, byLabel.chipName, byLabel.lineCount, byLabel.name]).toEqual([CHIP0, 'gpiochip0', 58, 'pinctrl-bcm2711 (/dev/gpiochip0)']);
  const anyPi = await host.gpiochip(['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835']);
  expect(anyPi.path).toBe(CHIP0);
  const byPath = await host.gpiochip('/dev/gpiochip1');
  expect([byPath.label, byPath.lineCount]).toEqual(['raspberrypi-exp-gpio', 8]);
  await Promise.all([byLabel.close(), anyPi.close(), byPath.close()]);
});

test('an unknown label or path is ENOENT listing the chips that exist', async () => {
  const label = await error(host.gpiochip('pinctrl-rp1'));
  expect(label.code).toBe('ENOENT');
  expect(label.message).toMatch(/no GPIO chip labelled pinctrl-rp1 in \/dev/);
  expect(label.message).toMatch(/gpiochip0 \[pinctrl-bcm2711\] \/dev\/gpiochip0, 58 lines; gpiochip1 \[raspberrypi-exp-gpio\] \/dev\/gpiochip1, 8 lines/);
  const path = await error(host.gpiochip('/dev/gpiochip7'));
  expect(path.code).toBe('ENOENT');
  expect(path.message).toMatch(/\/dev\/gpiochip7 does not exist; the GPIO chips that exist are: gpiochip0 \[pinctrl-bcm2711\]/);
  expect(path.message).toMatch(/prefer the chip's label/);
});

test('a chip without permission is EACCES with the gpio group and udev advice', async () => {
  const e = await error(host.gpiochip('/dev/gpiochip2'));
  expect(e.code).toBe('EACCES');
  expect(e.message).toMatch(/no permission to open GPIO chip \/dev\/gpiochip2: add your user to the gpio group \(sudo usermod -aG gpio \$USER/);
  expect(e.message).toMatch(/SUBSYSTEM=="gpio", KERNEL=="gpiochip\*"/);
});

test('by label with no chips at all, or none readable: says so instead of "not found"', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-gpiochips-'));
  const locked = await EmuHost.start({ socketPath: server.socketPath, gpiochips: [{ path: CHIP0, label: 'pinctrl-bcm2711', lines: 58 }], deny: [CHIP0] });
  try {
    expect(await host.listGpioChips(empty)).toEqual([]);
    const none = await error(host.gpiochip('pinctrl-bcm2711', { devDir: empty }));
    expect(none.code).toBe('ENOENT');
    expect(none.message).toMatch(/has no gpiochip nodes \(a kernel without the GPIO character device/);
    const denied = await error(locked.gpiochip('pinctrl-bcm2711'));
    expect(denied.code).toBe('EACCES');
    expect(denied.message).toMatch(/no permission to read the GPIO chips in \/dev \(\/dev\/gpiochip0\), so the one labelled pinctrl-bcm2711 cannot be found: add your user to the gpio group/);
  } finally {
    await locked.stop();
    rmSync(empty, { recursive: true, force: true });
  }
});

describe('lines of pinctrl-bcm2711', () => {
  let chip: RemoteGpioController;
  beforeAll(async () => {
    chip = await host.gpiochip('pinctrl-bcm2711');
  });
  afterAll(async () => {
    await chip?.close();
  });

  test('an output starts at its initial level; set and get; the kernel shows the holder', async () => {
    const mark = server.log.length;
    const line = await chip.request(30, { consumer: 'hilbridge test-30', direction: 'output', initial: 0 });
    expect(line.direction).toBe('output');
    expect(await line.get()).toBe(0);
    await line.set(1);
    expect(await line.get()).toBe(1);
    await line.set(1); // no change, no event
    expect(gpioSince(mark)).toEqual([
      { kind: 'gpio', path: CHIP0, line: 30, level: 0 },
      { kind: 'gpio', path: CHIP0, line: 30, level: 1 },
    ]);
    const info = await chip.lineInfo(30);
    expect(info).toMatchObject({ offset: 30, consumer: 'hilbridge test-30', used: true });
    expect(info.flags & LINE_FLAG.OUTPUT).toBe(LINE_FLAG.OUTPUT);
    await line.release();
    expect(server.lineLevel(CHIP0, 30)).toBe(1); // a released line is an input again, pulled up
    expect(await chip.lineInfo(30)).toMatchObject({ consumer: '', used: false });
  });

  test('an input reads the line and refuses to be driven (EPERM) until reconfigured as an output', async () => {
    const line = await chip.request(31, { direction: 'input', bias: 'pull-down' });
    expect(await line.get()).toBe(0);
    const e = await error(line.set(1));
    expect(e.code).toBe('EPERM');
    expect(e.message).toMatch(/line 31 of pinctrl-bcm2711 \(\/dev\/gpiochip0\) is an input/);
    await line.reconfigure({ direction: 'output', initial: 1 });
    expect(line.direction).toBe('output');
    expect(await line.get()).toBe(1);
    expect((await chip.lineInfo(31)).flags & LINE_FLAG.OUTPUT).toBe(LINE_FLAG.OUTPUT);
    await line.release();
  });

  test('a line held by another process or driver is EBUSY naming the holder and gpioinfo', async () => {
    const named = await error(chip.request(7, { direction: 'output', initial: 1 }));
    expect(named.code).toBe('EBUSY');
    expect(named.message).toMatch(/line 7 of pinctrl-bcm2711 \(\/dev\/gpiochip0\) is already held by "spi0 CS1"/);
    expect(named.message).toMatch(/`gpioinfo`/);
    const unnamed = await error(chip.request(8, { direction: 'input' }));
    expect(unnamed.message).toMatch(/already held by "other-process"/);
    // another user of the same chip in this process holds it too: the kernel sees our consumer
    const mine = await chip.request(32, { consumer: 'hilbridge eeprom0-wp', direction: 'output', initial: 1 });
    const other = await host.gpiochip(CHIP0);
    const taken = await error(other.request(32, { direction: 'input' }));
    expect(taken.message).toMatch(/held by "hilbridge eeprom0-wp"/);
    const twice = await error(chip.request(32, { direction: 'input' }));
    expect(twice.message).toMatch(/already requested through this controller/);
    // release on close: the descriptor's close frees the line for the next request
    await mine.release();
    const now = await other.request(32, { direction: 'input' });
    expect(await now.get()).toBe(1);
    await other.close(); // closing the controller releases what it requested
    const again = await chip.request(32, { direction: 'output', initial: 0 });
    await again.release();
  });

  test('an offset past the last line is EINVAL saying how many lines there are', async () => {
    const e = await error(chip.request(58, { direction: 'input' }));
    expect(e.code).toBe('EINVAL');
    expect(e.message).toMatch(/pinctrl-bcm2711 \(\/dev\/gpiochip0\) has no line 58: it has 58 lines, 0\.\.57/);
    await expect(chip.lineInfo(-1)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  test('line(n) claims on first use: get leaves the direction as it is, set makes it an output', async () => {
    const mark = server.log.length;
    expect(await chip.line(40).get()).toBe(1);
    expect((await chip.lineInfo(40)).flags & LINE_FLAG.INPUT).toBe(LINE_FLAG.INPUT);
    expect((await chip.lineInfo(40)).consumer).toBe('hilbridge');
    await chip.line(40).set(0);
    await chip.line(41).set(0);
    expect(gpioSince(mark)).toEqual([
      { kind: 'gpio', path: CHIP0, line: 40, level: 0 },
      { kind: 'gpio', path: CHIP0, line: 41, level: 0 },
    ]);
    expect((await chip.lineInfo(40)).flags & LINE_FLAG.OUTPUT).toBe(LINE_FLAG.OUTPUT);
  });
});

describe('control lines wired to the AT25 model, in order with the SPI traffic', () => {
  let bus: RemoteSpiController;
  let chip: RemoteGpioController;
  beforeAll(async () => {
    bus = await host.spidev(0);
    chip = await host.gpiochip('pinctrl-bcm2711');
  });
  afterAll(async () => {
    await chip?.close();
    await bus?.close();
  });

  async function rdsr(): Promise<number> {
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1e6 });
    const rx = new Uint8Array(2);
    await dev.transfer([{ tx: Uint8Array.of(AT25_OP.RDSR, 0), rx, len: 2 }]);
    await dev.close();
    return rx[1]!;
  }

  test('WP asserted at request; deasserted around a status write and re-asserted after; the log shows the order', async () => {
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1e6 });
    const wrsr = async (value: number): Promise<void> => {
      await dev.transfer([{ tx: Uint8Array.of(AT25_OP.WREN), len: 1, csChange: true }, { tx: Uint8Array.of(AT25_OP.WRSR, value), len: 2 }]);
      clock.advanceUs(100);
    };
    await wrsr(AT25_SR.WPEN); // WP idle high: WPEN can be set
    expect(await rdsr()).toBe(AT25_SR.WPEN);
    const mark = server.log.length;
    const wp = await chip.request(WP_LINE, { consumer: 'hilbridge eeprom0-wp', direction: 'output', initial: 0 });
    expect(at25.pin('wp')).toBe(0);
    await wrsr(AT25_SR.WPEN | AT25_SR.BP0); // hardware write protection: refused
    expect(await rdsr()).toBe(AT25_SR.WPEN);
    await wp.set(1);
    await wrsr(AT25_SR.WPEN | AT25_SR.BP1);
    await wp.set(0);
    expect(await rdsr()).toBe(AT25_SR.WPEN | AT25_SR.BP1);
    const events = server.log.slice(mark).map((r) => (r.kind === 'gpio' ? `wp=${r.level}` : r.kind === 'spi' ? `spi:${r.xfers.map((x) => x.mosi[0]!.toString(16)).join('|')}` : r.kind));
    expect(events).toEqual(['wp=0', 'spi:6|1', 'spi:5', 'wp=1', 'spi:6|1', 'wp=0', 'spi:5']);
    await wp.release();
    expect(at25.pin('wp')).toBe(1);
    await dev.close();
  });

  test('HOLD low pauses the chip for whole transactions (MISO floats); released, reads resume', async () => {
    at25.memory.set([0xca, 0xfe], 0x100);
    const hold = await chip.request(HOLD_LINE, { consumer: 'hilbridge eeprom0-hold', direction: 'output', initial: 1 });
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1e6 });
    const read2 = async (): Promise<number[]> => {
      const rx = new Uint8Array(2);
      await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0x01, 0x00), len: 3 }, { rx, len: 2 }]);
      return Array.from(rx);
    };
    expect(await read2()).toEqual([0xca, 0xfe]);
    await hold.set(0);
    expect(at25.pin('hold')).toBe(0);
    expect(await read2()).toEqual([0xff, 0xff]);
    await hold.set(1);
    expect(await read2()).toEqual([0xca, 0xfe]);
    await hold.release();
    await dev.close();
  });
});
