/**
 * AT25 driver by its exact bus traffic (embedded-hal-mock style): header encodings per address
 * width, batching of WREN+WRITE+RDSR, page splitting, read chunking, busy handling, checks that
 * send nothing.
 */
import { HilError } from '../../src/abi/errno';
import { VirtualClock } from '../../src/hal/clock';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { partByName, partConfig, type At25Part } from '../../src/devicetree/parts';
import { virtualEnv } from '../helpers/direct-device';
import { ScriptedSpi, type ExpectSpiOp } from '../helpers/scripted';

const part = (n: string) => partByName(n) as At25Part;
const RDSR = (sr: number): ExpectSpiOp[] => [{ tx: [0x05] }, { rx: [sr] }];
const WREN: ExpectSpiOp = { tx: [0x06], csChange: true };

function driver(name: string, spi: ScriptedSpi, opts: { readOnly?: boolean; timeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  const env = virtualEnv(clock);
  return { e: new At25Eeprom(spi, partConfig(part(name), opts), env), clock, env };
}

test('a small write: RDSR, one WREN+WRITE+RDSR transaction, one poll, verify with an RDSR in front', async () => {
  const spi = new ScriptedSpi([
    RDSR(0x00),
    [WREN, { tx: [0x02, 0x01, 0x02, 0xa, 0xb, 0xc], csChange: true }, ...RDSR(0x03)],
    RDSR(0x00),
    [{ tx: [0x05] }, { rx: [0x00], csChange: true }, { tx: [0x03, 0x01, 0x02] }, { rx: [0xa, 0xb, 0xc] }],
  ]);
  const { e, env } = driver('AT25256', spi);
  await e.write(0x0102, Uint8Array.of(0xa, 0xb, 0xc));
  spi.done();
  // scratch buffers come from env.alloc, once
  expect(env.allocated).toBeGreaterThan(0);
  const before = env.allocated;
  await expect(e.read(0, 0)).resolves.toEqual(new Uint8Array(0));
  expect(env.allocated).toBe(before);
});

test('writes split at page boundaries; later pages sleep most of the measured cycle before polling', async () => {
  const data = Array.from({ length: 10 }, (_, i) => i);
  const spi = new ScriptedSpi([
    RDSR(0x00),
    [WREN, { tx: [0x02, 0x00, 60, ...data.slice(0, 4)], csChange: true }, ...RDSR(0x03)],
    RDSR(0x03),
    RDSR(0x00),
    [WREN, { tx: [0x02, 0x00, 64, ...data.slice(4)], csChange: true }, ...RDSR(0x03)],
    RDSR(0x00), // after the learned sleep: done at the first poll
  ]);
  const { e } = driver('AT25256', spi);
  await e.write(60, Uint8Array.from(data), { verify: false });
  spi.done();
});

test.each([
  ['AT25010', 0x7f, [0x03, 0x7f]],
  ['AT25040', 0x1f8, [0x0b, 0xf8]],
  ['AT25040', 0x0f8, [0x03, 0xf8]],
  ['AT25M01', 0x1fffe, [0x03, 0x01, 0xff, 0xfe]],
])('%s read header at 0x%s', async (name, offset, hdr) => {
  const spi = new ScriptedSpi([[{ tx: [0x05] }, { rx: [0x00], csChange: true }, { tx: hdr }, { rx: [0x42] }]]);
  const { e } = driver(name, spi);
  expect(await e.read(offset, 1)).toEqual(Uint8Array.of(0x42));
  spi.done();
});

test('AT25040 writes in the upper half carry A8 in the WRITE opcode (0x0A)', async () => {
  const spi = new ScriptedSpi([RDSR(0), [WREN, { tx: [0x0a, 0x10, 0x77], csChange: true }, ...RDSR(0x00)]]);
  const { e } = driver('AT25040', spi);
  await e.write(0x110, Uint8Array.of(0x77), { verify: false });
  spi.done();
});

test('reads are chunked to the backend limit, counting opcode, address and the RDSR in front', async () => {
  const spi = new ScriptedSpi(
    [
      [{ tx: [0x05] }, { rx: [0x00], csChange: true }, { tx: [0x03, 0x00, 0x00] }, { rx: [0, 1, 2, 3, 4] }],
      [{ tx: [0x03, 0x00, 0x05] }, { rx: [5, 6, 7, 8, 9] }],
      [{ tx: [0x03, 0x00, 0x0a] }, { rx: [10, 11] }],
    ],
    10,
  );
  const { e } = driver('AT25256', spi);
  expect(await e.read(0, 12)).toEqual(Uint8Array.from({ length: 12 }, (_, i) => i));
  spi.done();
});

test('a read that finds a write cycle running waits for it and reads again', async () => {
  const spi = new ScriptedSpi([
    [{ tx: [0x05] }, { rx: [0x01], csChange: true }, { tx: [0x03, 0x00, 0x00] }, { rx: [0xff] }],
    RDSR(0x00),
    [{ tx: [0x03, 0x00, 0x00] }, { rx: [0x5a] }],
  ]);
  const { e } = driver('AT25256', spi);
  expect(await e.read(0, 1)).toEqual(Uint8Array.of(0x5a));
  spi.done();
});

test('a write into a BP-protected block fails with EROFS after only the status read', async () => {
  const spi = new ScriptedSpi([RDSR(0x04)]); // BP0: upper quarter of 32 KiB
  const { e } = driver('AT25256', spi);
  await expect(e.write(0x6000, Uint8Array.of(1))).rejects.toMatchObject({ code: 'EROFS' });
  spi.done();
});

test('a read-only node, bad arguments and zero lengths send nothing', async () => {
  const spi = new ScriptedSpi([]);
  const { e } = driver('AT25256', spi, { readOnly: true });
  await expect(e.write(0, Uint8Array.of(1))).rejects.toMatchObject({ code: 'EROFS' });
  await expect(e.setProtection({ blocks: 'none' })).rejects.toMatchObject({ code: 'EROFS' });
  await expect(e.read(32768, 1)).rejects.toMatchObject({ code: 'EINVAL' });
  await expect(e.write(0, [1, 2] as unknown as Uint8Array)).rejects.toMatchObject({ code: 'EINVAL' });
  await e.write(0, new Uint8Array(0));
  spi.done();
});

test('setProtection: WREN+WRSR+RDSR in one transaction, then polls; unchanged settings send no write', async () => {
  const spi = new ScriptedSpi([
    RDSR(0x00),
    [WREN, { tx: [0x01, 0x88], csChange: true }, ...RDSR(0x8b)],
    RDSR(0x88),
    RDSR(0x88),
  ]);
  const { e } = driver('AT25256', spi);
  await e.setProtection({ blocks: 'upper-half', wpen: true });
  await e.setProtection({ blocks: 'upper-half' }); // wpen kept, nothing to do
  spi.done();
});

test('setProtection that the chip refuses because WPEN and WP are asserted is EROFS', async () => {
  const spi = new ScriptedSpi([RDSR(0x80), [WREN, { tx: [0x01, 0x8c], csChange: true }, ...RDSR(0x80)]]);
  const { e } = driver('AT25256', spi);
  await expect(e.setProtection({ blocks: 'all' })).rejects.toMatchObject({ code: 'EROFS' });
  spi.done();
});

test('status decodes the register', async () => {
  const spi = new ScriptedSpi([RDSR(0x8b)]);
  const { e } = driver('AT25256', spi);
  expect(await e.status()).toEqual({ busy: true, wel: true, blocks: 'upper-half', wpen: true, raw: 0x8b });
  spi.done();
});

test('refuses configurations that cannot work', () => {
  const env = virtualEnv(new VirtualClock());
  const cfg = partConfig(part('AT25256'));
  expect(() => new At25Eeprom(new ScriptedSpi([], 6), cfg, env)).toThrow(HilError);
  expect(() => new At25Eeprom(new ScriptedSpi([]), { ...cfg, size: 131072 }, env)).toThrow(/address-width/);
  expect(() => new At25Eeprom(new ScriptedSpi([]), { ...cfg, pageSize: 48 }, env)).toThrow(/pagesize/);
});
