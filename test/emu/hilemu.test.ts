/**
 * The hilemu shim itself: it keeps the tests hermetic (device paths it does not emulate never reach
 * the host, so a Raspberry Pi's real /dev/spidev0.0 cannot answer in a test), and it never mistakes
 * an ordinary file for a device when Node reuses a descriptor number it closed behind the shim's
 * back (libuv closes with the raw close system call, which an LD_PRELOADed close() never sees).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/hal/clock';
import {
  decodeChipInfo,
  decodeLineInfo,
  decodeLineRequestFd,
  decodeLineValueBits,
  encodeLineConfig,
  encodeLineInfoQuery,
  encodeLineRequest,
  encodeLineValues,
  IOCTL,
  LINE_ATTR_ID,
  LINE_FLAG,
  type LineConfig,
  OFFSET,
} from '../../src/hal/gpiochip/uapi';
import { At24Model } from '../../src/hal/mock/at24-model';
import { ModelServer } from './model-server';
import { EmuHost } from './remote';

let dir: string;
let server: ModelServer;
let at24: At24Model;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hilemu-test-'));
  const clock = new VirtualClock();
  at24 = new At24Model({ size: 4096, pageSize: 32, addressWidth: 16, address: 0x50, clock, writeCycleUs: 0 });
  server = await ModelServer.start({ clock, i2c: { '/dev/i2c-1': [at24] } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hermetic: reserved device paths the shim does not emulate are absent', () => {
  test('stand-in nodes under a reserved prefix cannot be opened or listed; emulated ones can', async () => {
    const fake = join(dir, 'fake-dev');
    require('node:fs').mkdirSync(fake);
    for (const n of ['spidev0.0', 'i2c-1', 'gpiochip0', 'gpiochip4', 'ttyACM0']) writeFileSync(join(fake, n), 'a stand-in for a host device node');
    const host = await EmuHost.start({
      socketPath: server.socketPath,
      gpiochips: [{ path: join(fake, 'gpiochip4'), label: 'pinctrl-rp1', lines: 54 }, { path: join(fake, 'gpiochip9'), label: 'emulated-only', lines: 8 }],
      reserved: [join(fake, 'spidev'), join(fake, 'i2c-'), join(fake, 'gpiochip')],
    });
    try {
      expect(await host.tryOpen(join(fake, 'spidev0.0'))).toBe('ENOENT');
      expect(await host.tryOpen(join(fake, 'i2c-1'))).toBe('ENOENT');
      expect(await host.tryOpen(join(fake, 'gpiochip0'))).toBe('ENOENT');
      expect(await host.tryOpen(join(fake, 'ttyACM0'))).toBeUndefined(); // not reserved: the host's
      expect(await host.tryOpen(join(fake, 'gpiochip4'))).toBeUndefined(); // emulated, shadowing the stand-in
      expect((await host.readdir(fake)).sort()).toEqual(['gpiochip4', 'gpiochip9', 'ttyACM0']);
      const chips = await host.listGpioChips(fake);
      expect(chips.map((c) => [c.name, c.label])).toEqual([
        ['gpiochip4', 'pinctrl-rp1'],
        ['gpiochip9', 'emulated-only'],
      ]);
    } finally {
      await host.stop();
    }
  });

  test('by default every /dev/spidev*, /dev/i2c-* and /dev/gpiochip* not emulated is ENOENT, whatever the host has', async () => {
    const host = await EmuHost.start({ socketPath: server.socketPath, i2c: ['/dev/i2c-1'] });
    try {
      for (const p of ['/dev/spidev0.0', '/dev/spidev0.1', '/dev/i2c-0', '/dev/i2c-20', '/dev/gpiochip0', '/dev/gpiochip4']) {
        expect([p, await host.tryOpen(p)]).toEqual([p, 'ENOENT']);
      }
      expect(await host.tryOpen('/dev/i2c-1')).toBeUndefined();
      const dev = await host.readdir('/dev');
      expect(dev.filter((n) => /^(spidev|i2c-|gpiochip)/.test(n))).toEqual(['i2c-1']);
      expect(dev).toContain('null'); // the rest of /dev is the host's
      expect(await host.tryOpen('/dev/null')).toBeUndefined();
    } finally {
      await host.stop();
    }
  });
});

test('a descriptor closed through Node and reused by a file: the bytes land in the file, the chip sees nothing', async () => {
  const host = await EmuHost.start({ socketPath: server.socketPath, i2c: ['/dev/i2c-1'] });
  try {
    at24.memory.fill(0xff);
    const file = join(dir, 'cache.bin');
    const data = Uint8Array.of(0x00, 0x10, 0xde, 0xad, 0xbe, 0xef);
    const before = server.log.length;
    const fds = await host.i2cFdReuse(1, 0x50, file, data);
    expect(fds.file).toBe(fds.device); // the file really got the device's old descriptor number
    // i2c-bus's own write (2 address bytes, no data) is the only transaction the chip saw
    expect(server.log.slice(before)).toEqual([expect.objectContaining({ kind: 'i2c', msgs: [expect.objectContaining({ addr: 0x50, read: false, data: Uint8Array.of(0, 0) })] })]);
    expect(Array.from(readFileSync(file))).toEqual([...data, ...data]);
    expect(at24.memory.every((b) => b === 0xff)).toBe(true);
  } finally {
    await host.stop();
  }
});

describe('GPIO chips answer as gpiolib-cdev does (raw ioctls through the binding)', () => {
  const CHIP = '/dev/gpiochip0';
  let host: EmuHost;
  let chip: number;
  beforeAll(async () => {
    host = await EmuHost.start({ socketPath: server.socketPath, gpiochips: [{ path: CHIP, label: 'pinctrl-bcm2835', lines: 8 }] });
    const fd = await host.sysOpen(CHIP);
    if (typeof fd !== 'number') throw new Error(`open failed: ${fd}`);
    chip = fd;
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
  });

  const out = (value: 0 | 1, extra = 0): LineConfig => ({ flags: LINE_FLAG.OUTPUT | extra, attrs: [{ id: LINE_ATTR_ID.OUTPUT_VALUES, values: BigInt(value), mask: 1n }] });
  async function request(offsets: number[], cfg: LineConfig, patch?: (b: Uint8Array) => void): Promise<{ fd: number; code: string | undefined }> {
    const arg = encodeLineRequest(offsets, 'raw-test', cfg);
    patch?.(arg);
    const r = await host.sysIoctl(chip, IOCTL.GPIO_V2_GET_LINE_IOCTL, arg);
    return { fd: decodeLineRequestFd(r.arg), code: r.code };
  }

  test('chip info: the node name, label and line count', async () => {
    const r = await host.sysIoctl(chip, IOCTL.GPIO_GET_CHIPINFO_IOCTL, new Uint8Array(68));
    expect(decodeChipInfo(r.arg)).toEqual({ name: 'gpiochip0', label: 'pinctrl-bcm2835', lines: 8 });
  });

  test.each([
    ['input and output at once', [1], { flags: LINE_FLAG.INPUT | LINE_FLAG.OUTPUT }, 'EINVAL'],
    ['open drain on an input', [1], { flags: LINE_FLAG.INPUT | LINE_FLAG.OPEN_DRAIN }, 'EINVAL'],
    ['edge detection on an output', [1], { flags: LINE_FLAG.OUTPUT | LINE_FLAG.EDGE_RISING }, 'EINVAL'],
    ['a bias without a direction', [1], { flags: LINE_FLAG.BIAS_PULL_UP }, 'EINVAL'],
    ['two biases', [1], { flags: LINE_FLAG.INPUT | LINE_FLAG.BIAS_PULL_UP | LINE_FLAG.BIAS_PULL_DOWN }, 'EINVAL'],
    ['the USED flag (output only)', [1], { flags: LINE_FLAG.USED | LINE_FLAG.INPUT }, 'EINVAL'],
    ['an unknown flag', [1], { flags: LINE_FLAG.INPUT | (1 << 20) }, 'EINVAL'],
    ['the HTE clock on a kernel without HTE', [1], { flags: LINE_FLAG.INPUT | LINE_FLAG.EVENT_CLOCK_HTE }, 'EOPNOTSUPP'],
    ['debounce on an output', [1], { flags: LINE_FLAG.OUTPUT, attrs: [{ id: LINE_ATTR_ID.DEBOUNCE, periodUs: 10, mask: 1n }] }, 'EINVAL'],
    ['an offset past the last line', [8], { flags: LINE_FLAG.INPUT }, 'EINVAL'],
    ['the same line twice', [3, 3], { flags: LINE_FLAG.INPUT }, 'EBUSY'],
  ] as [string, number[], LineConfig, string][])('GET_LINE refuses %s', async (_what, offsets, cfg, code) => {
    expect((await request(offsets, cfg)).code).toBe(code);
  });

  test('GET_LINE refuses no lines and non-zero padding (EINVAL)', async () => {
    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect((await request([1], { flags: 0 }, (b) => view(b).setUint32(OFFSET.gpio_v2_line_request.num_lines, 0, true))).code).toBe('EINVAL');
    expect((await request([1], { flags: 0 }, (b) => (b[OFFSET.gpio_v2_line_request.padding + 3] = 1))).code).toBe('EINVAL');
    expect((await request([1], { flags: 0 }, (b) => (b[OFFSET.gpio_v2_line_request.config + OFFSET.gpio_v2_line_config.padding] = 1))).code).toBe('EINVAL');
    const info = encodeLineInfoQuery(1);
    info[OFFSET.gpio_v2_line_info.padding] = 1;
    expect((await host.sysIoctl(chip, IOCTL.GPIO_V2_GET_LINEINFO_IOCTL, info)).code).toBe('EINVAL');
    expect((await host.sysIoctl(chip, 0xc010b4ff, new Uint8Array(16))).code).toBe('EINVAL'); // unknown: EINVAL, as the kernel
  });

  test('values are per request index and logical: active-low inverts what reaches the pin', async () => {
    const mark = server.log.length;
    const req = await request([1, 2, 3], {
      flags: LINE_FLAG.OUTPUT,
      attrs: [
        { id: LINE_ATTR_ID.FLAGS, flags: LINE_FLAG.OUTPUT | LINE_FLAG.ACTIVE_LOW, mask: 0b100n },
        { id: LINE_ATTR_ID.OUTPUT_VALUES, values: 0b110n, mask: 0b111n },
      ],
    });
    expect(req.code).toBeUndefined();
    // line 1 = 0, line 2 = 1 (already high: no change), line 3 = logical 1 = physical 0
    expect(server.log.slice(mark)).toEqual([
      { kind: 'gpio', path: CHIP, line: 1, level: 0 },
      { kind: 'gpio', path: CHIP, line: 3, level: 0 },
    ]);
    const get = await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_GET_VALUES_IOCTL, encodeLineValues(0n, 0b111n));
    expect(decodeLineValueBits(get.arg)).toBe(0b110n);
    expect((await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, encodeLineValues(0n, 0n))).code).toBe('EINVAL');
    expect((await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_GET_VALUES_IOCTL, encodeLineValues(0n, 0n))).code).toBe('EINVAL');
    await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, encodeLineValues(0b001n, 0b101n)); // line 1 high, line 3 logical 0 = high
    expect([server.lineLevel(CHIP, 1), server.lineLevel(CHIP, 2), server.lineLevel(CHIP, 3)]).toEqual([1, 1, 1]);
    const info = decodeLineInfo((await host.sysIoctl(chip, IOCTL.GPIO_V2_GET_LINEINFO_IOCTL, encodeLineInfoQuery(3))).arg);
    expect(info).toMatchObject({ name: 'GPIO3', consumer: 'raw-test', used: true });
    expect(info.flags).toBe(LINE_FLAG.USED | LINE_FLAG.OUTPUT | LINE_FLAG.ACTIVE_LOW);
    // SET_CONFIG: all inputs now; setting an input is EPERM
    const cfg = await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_SET_CONFIG_IOCTL, encodeLineConfig({ flags: LINE_FLAG.INPUT }));
    expect(cfg.code).toBeUndefined();
    expect((await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, encodeLineValues(1n, 1n))).code).toBe('EPERM');
    expect((await host.sysIoctl(req.fd, IOCTL.GPIO_V2_LINE_SET_CONFIG_IOCTL, encodeLineConfig({ flags: LINE_FLAG.INPUT | LINE_FLAG.OUTPUT }))).code).toBe('EINVAL');
    await host.sysClose(req.fd);
    expect((await request([1, 2, 3], { flags: LINE_FLAG.INPUT })).code).toBeUndefined(); // released by close(2)
  });

  test('a request descriptor Node closes behind the shim (raw close) still releases its lines', async () => {
    const req = await request([5], out(0));
    expect(server.lineLevel(CHIP, 5)).toBe(0);
    expect((await request([5], { flags: LINE_FLAG.INPUT })).code).toBe('EBUSY');
    await host.nodeClose(req.fd);
    const again = await request([5], out(1));
    expect(again.code).toBeUndefined();
    expect(server.lineLevel(CHIP, 5)).toBe(1);
    await host.sysClose(again.fd);
  });
});
