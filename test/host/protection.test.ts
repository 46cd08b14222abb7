/**
 * Protection before traffic: a write or erase that overlaps a block-protected range is refused
 * before any byte moves, through the library (the bus log of the mock SPI bus shows no WREN and
 * no WRITE) and through the CLI on the real spidev backend under the hilemu shim (the model
 * server's log of what spi-device put on the "wire" shows the same). The design: every page call
 * of EepromHandle names the whole span, and the driver checks block protection for all of it
 * before the first page.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock, VirtualClock } from '../../src/hal/clock';
import { AT25_OP, AT25_SR, At25Model } from '../../src/hal/mock/at25-model';
import { MockSpiController } from '../../src/hal/mock/spi-controller';
import { boot, type EepromHandle, type Hilbridge, HilError } from '../../src/index';
import { ModelServer } from '../emu/model-server';
import { emuProcessEnv } from '../emu/remote';
import { ROOT, runCli, tempDir } from '../cli/run-cli';

const SIZE = 32768;
const WRITING_OPS = new Set<number>([AT25_OP.WREN, AT25_OP.WRITE, AT25_OP.WRSR]);

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('hilbridge-protect-');
});
afterAll(() => t.cleanup());

describe('through the library', () => {
  let hb: Hilbridge;
  let ee: EepromHandle;
  let bus: MockSpiController;
  beforeEach(async () => {
    hb = await boot(); // the embedded mock board: eeprom0 is an AT25256
    ee = await hb.openEeprom('eeprom0');
    const c = hb.kernel.controller('spi0');
    if (!(c instanceof MockSpiController)) throw new Error('spi0 is not simulated');
    bus = c;
    await ee.write(0, Uint8Array.from({ length: 256 }, (_, i) => i));
    await ee.protect({ blocks: 'upper-quarter' }); // 0x6000..0x7fff read-only
    bus.log.length = 0;
  });
  afterEach(async () => {
    await ee.protect({ blocks: 'none' });
    await hb.shutdown();
  });

  /** Opcodes that start a write (WREN, WRITE, WRSR) among the transfers the bus saw since. */
  const writesOnBus = (): number[] => bus.log.flatMap((rec) => rec.xfers.map((x) => x.tx[0]!)).filter((op) => WRITING_OPS.has(op));

  test.each([
    ['erase() of the whole chip', () => ee.erase()],
    ['erase() of a range ending in the protected quarter', () => ee.erase(0x5000, 0x1100)],
    ['write() whose last byte is protected', () => ee.write(0x5f00, new Uint8Array(0x101).fill(0xab))],
    ['write() without read-back, pages skipped when unchanged', () => ee.write(0x5fc0, new Uint8Array(0x80).fill(0x11), { verify: false, skipUnchanged: true })],
  ])('%s is refused with EROFS before any byte moves', async (_what, run) => {
    const before = await ee.read(0, SIZE);
    bus.log.length = 0;
    let err: unknown;
    await run().catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).code).toBe('EROFS');
    expect((err as HilError).message).toMatch(/overlaps the block-protected range \[24576, 32768\) \(BP = upper-quarter\)/);
    expect(writesOnBus()).toEqual([]);
    expect(Buffer.from(await ee.read(0, SIZE)).equals(Buffer.from(before))).toBe(true);
    const st = await ee.status();
    expect({ wel: st.wel, blocks: st.blocks }).toEqual({ wel: false, blocks: 'upper-quarter' });
  });

  test('the unprotected part is still written (the refusal is about the span, not the chip)', async () => {
    await ee.write(0x5f00, new Uint8Array(0x100).fill(0xcd));
    expect(writesOnBus().filter((op) => op === AT25_OP.WRITE)).toHaveLength(0x100 / 64);
    expect(Array.from(await ee.read(0x5fff, 2))).toEqual([0xcd, 0xff]);
  });
});

describe('through the CLI, on the real spidev backend (bus log from the emulated /dev/spidev0.0)', () => {
  let server: ModelServer;
  let chip: At25Model;
  beforeAll(async () => {
    chip = new At25Model({ size: SIZE, pageSize: 64, addressWidth: 16, clock: new RealClock(), writeCycleUs: 200, status: AT25_SR.BP1 }); // upper half
    chip.memory.fill(0x5a);
    server = await ModelServer.start({ clock: new VirtualClock(), spi: { '/dev/spidev0.0': chip } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  const env = (): NodeJS.ProcessEnv => emuProcessEnv({ socketPath: server.socketPath, spidev: ['/dev/spidev0.0'] });
  const board = join(ROOT, 'dts', 'rpi-at25.dts');
  const writesOnWire = (from: number): number[] =>
    server.log
      .slice(from)
      .flatMap((r) => (r.kind === 'spi' ? r.xfers.filter((x) => x.hasTx).map((x) => x.mosi[0]!) : []))
      .filter((op) => WRITING_OPS.has(op));

  test.each([
    ['write', (input: string) => ['write', 'eeprom0', '0x3f00', '--in', input]],
    ['erase', () => ['erase', 'eeprom0']],
    ['erase of a range', () => ['erase', 'eeprom0', '--offset', '0x3000', '--length', '0x2000', '--fill', '0']],
  ])('%s over the protected half: exit 1, EROFS, no WREN or WRITE on the wire', async (_what, args) => {
    const input = t.file('data.bin', Buffer.alloc(0x200, 0x11));
    const from = server.log.length;
    const r = await runCli(['--board', board, ...args(input), '--yes'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hilbridge: EROFS: eeprom0: \[\d+, \d+\) overlaps the block-protected range \[16384, 32768\) \(BP = upper-half\)/);
    expect(server.log.length).toBeGreaterThan(from); // it did talk to the chip: the status register
    expect(writesOnWire(from)).toEqual([]);
    expect(chip.memory.every((b) => b === 0x5a)).toBe(true);
    expect(chip.status() & AT25_SR.WEL).toBe(0);
  }, 60_000);

  test('the same write below the protected half goes through', async () => {
    const input = t.file('low.bin', Buffer.alloc(0x80, 0x22));
    const from = server.log.length;
    const r = await runCli(['--board', board, 'write', 'eeprom0', '0x3f00', '--in', input, '--yes'], { env: env() });
    expect(r.code).toBe(0);
    expect(writesOnWire(from).filter((op) => op === AT25_OP.WRITE)).toHaveLength(2);
    expect(chip.memory.subarray(0x3f00, 0x3f80).every((b) => b === 0x22)).toBe(true);
  }, 60_000);
});

test('--dry-run and the real run agree about a protected range (mock board, --image)', async () => {
  const img = t.file('dry.bin', Buffer.alloc(SIZE, 0x33));
  writeFileSync(`${img}.state`, JSON.stringify({ format: 'hilbridge-image-state', version: 1, status: AT25_SR.BP0 | AT25_SR.BP1 }));
  const dry = await runCli(['--json', '--image', `eeprom0=${img}`, 'write', 'eeprom0', '0', '--hex', '00', '--dry-run']);
  expect(JSON.parse(dry.stdout)).toMatchObject({ refused: true, protectedFrom: 0 });
  const real = await runCli(['--image', `eeprom0=${img}`, 'write', 'eeprom0', '0', '--hex', '00']);
  expect(real.code).toBe(1);
  expect(real.stderr).toMatch(/EROFS: .*overlaps the block-protected range \[0, 32768\) \(BP = all\)/);
}, 60_000);
