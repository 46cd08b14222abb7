/**
 * The bad-input catalogue: every kind of bad input a user can give the command line, through the
 * built binary, each with the clear error it must get (one `hilbridge: CODE: message` line on
 * standard error, no stack trace; a devicetree error adds its source line and a caret), its exit
 * code (1 the operation failed, 2 usage or configuration error: nothing was touched) and proof
 * that nothing was written: every case runs against a mock part backed by an image file filled
 * with a known pattern, which must be byte-for-byte the same afterwards. Hardware failures (an
 * absent serial port, a chip that never answers, a NACKing I2C address) run the real backends
 * under the hilemu shim (test/emu).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '../../src/hal/clock';
import { ModelServer } from '../emu/model-server';
import { emuProcessEnv } from '../emu/remote';
import { mockBoardDts } from '../helpers/dts-board';
import { type CliResult, ROOT, runCli, tempDir } from './run-cli';

const SIZE = 4096;
const PATTERN = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 13 + 7) & 0xff));

const GOOD = mockBoardDts({
  model: 'bad input board',
  spi: { parts: [{ label: 'chip', reg: 0, spiMaxHz: 5_000_000, size: SIZE, pageSize: 32, addressWidth: 16, writeCycleUs: 100 }] },
  threads: [{ serves: 'chip' }],
});
/** The good board with `from` replaced by `to` in the part's node (each `from` below first appears there). */
const withPart = (from: string, to: string): string => GOOD.replace(from, to);

let t: ReturnType<typeof tempDir>;
const root = process.getuid?.() === 0;

interface Ctx {
  /** The image of the case (pre-filled with PATTERN), and its global options. */
  readonly img: string;
  readonly g: readonly string[];
  readonly f: (name: string) => string;
}

interface Case {
  readonly name: string;
  readonly args: (c: Ctx) => readonly string[];
  readonly code: 1 | 2;
  readonly message: RegExp;
  /** A board of the case's own (default: the good one). */
  readonly board?: string;
  /** More lines allowed on standard error (a devicetree error's quoted source line and caret). */
  readonly lines?: number;
  /** Something to prepare besides the image (e.g. a sidecar). */
  readonly setup?: (c: Ctx) => void;
  readonly skip?: boolean;
}

const big = Buffer.alloc(SIZE + 904, 0x42);
const CASES: Case[] = [
  // The command line itself.
  { name: 'an unknown command', args: () => ['bogus'], code: 2, message: /unknown command 'bogus' \(see hilbridge --help\)/ },
  { name: 'an unknown option', args: (c) => [...c.g, 'status', 'chip', '--frobnicate'], code: 2, message: /unknown option '--frobnicate'/ },
  { name: 'a missing argument', args: (c) => [...c.g, 'read', 'chip', '0'], code: 2, message: /missing required argument 'length'/ },
  { name: 'an unknown transport', args: (c) => [...c.g, '--transport', 'smoke', 'status', 'chip'], code: 2, message: /Allowed choices are sync, port/ },
  { name: 'an unknown protection choice', args: (c) => [...c.g, 'protect', 'chip', '--blocks', 'most'], code: 2, message: /Allowed choices are none, upper-quarter, upper-half, all/ },
  { name: 'protect with nothing to set', args: (c) => [...c.g, 'protect', 'chip'], code: 2, message: /protect needs --blocks .*--wpen on\|off, or both/ },
  { name: '--image without a file', args: (c) => ['--board', c.f('board.dts'), '--image', 'chip', 'status', 'chip'], code: 2, message: /--image "chip" must be NAME=FILE/ },
  { name: '--image without a name', args: (c) => ['--board', c.f('board.dts'), '--image', `=${c.img}`, 'status', 'chip'], code: 2, message: /must be NAME=FILE/ },
  { name: '--image naming a device twice', args: (c) => [...c.g, '--image', `chip=${c.img}`, 'status', 'chip'], code: 2, message: /--image names chip twice/ },
  // Offsets, lengths, bytes.
  { name: 'a negative offset', args: (c) => [...c.g, 'read', 'chip', '-5', '1'], code: 2, message: /offset "-5" is negative/ },
  { name: 'a negative length', args: (c) => [...c.g, 'read', 'chip', '0', '-1'], code: 2, message: /length "-1" is negative/ },
  { name: 'an offset that is not a number', args: (c) => [...c.g, 'read', 'chip', 'ten', '1'], code: 2, message: /offset "ten" is not a number; write it as decimal/ },
  { name: 'a bare 0x', args: (c) => [...c.g, 'read', 'chip', '0x', '4'], code: 2, message: /offset "0x" is not a number/ },
  { name: 'a fraction', args: (c) => [...c.g, 'write', 'chip', '1.5', '--hex', '00'], code: 2, message: /offset "1.5" is not a number/ },
  { name: 'an unknown unit', args: (c) => [...c.g, 'read', 'chip', '0', '2kb'], code: 2, message: /length "2kb" is not a number/ },
  { name: 'a number too large to be exact', args: (c) => [...c.g, 'read', 'chip', '99999999999999999999', '1'], code: 2, message: /offset "99999999999999999999" is too large/ },
  { name: 'an offset at the end of the device', args: (c) => [...c.g, 'read', 'chip', '4k', '1'], code: 2, message: /offset 4096 \(0x1000\) is past the end of the device: chip is 4096 bytes \(4 KiB\), offsets 0\.\.0xfff/ },
  { name: 'a read running past the end', args: (c) => [...c.g, 'read', 'chip', '0xff0', '0x20'], code: 2, message: /32 bytes from offset 0xff0 run past the end of the device/ },
  { name: 'an erase offset past the end', args: (c) => [...c.g, 'erase', 'chip', '--offset', '1M'], code: 2, message: /offset 1048576 \(0x100000\) is past the end/ },
  { name: 'an erase running past the end', args: (c) => [...c.g, 'erase', 'chip', '--offset', '4000', '--length', '200'], code: 2, message: /200 bytes from offset 0xfa0 run past the end.*at most 96 bytes fit there/ },
  { name: 'a fill that is not a byte', args: (c) => [...c.g, 'erase', 'chip', '--fill', '300'], code: 2, message: /--fill "300" is not a byte; give 0\.\.255/ },
  { name: 'a fill that is not a number', args: (c) => [...c.g, 'erase', 'chip', '--fill', 'abc'], code: 2, message: /--fill "abc" is not a byte/ },
  { name: 'a verify offset past the end', args: (c) => [...c.g, 'verify', 'chip', '--in', c.f('small.bin'), '--offset', '8k'], code: 2, message: /offset 8192 \(0x2000\) is past the end/ },
  // What to write, and files.
  { name: 'nothing to write', args: (c) => [...c.g, 'write', 'chip', '0'], code: 2, message: /nothing to write: give --in FILE or --hex HEX/ },
  { name: 'both --in and --hex', args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('small.bin'), '--hex', '00'], code: 2, message: /either --in FILE or --hex HEX, not both/ },
  { name: '--hex with an odd digit count', args: (c) => [...c.g, 'write', 'chip', '0', '--hex', 'abc'], code: 2, message: /odd number of hex digits/ },
  { name: '--hex with letters that are not hex', args: (c) => [...c.g, 'write', 'chip', '0', '--hex', 'zz'], code: 2, message: /--hex "zz" holds characters that are not hex digits/ },
  { name: 'an empty --hex', args: (c) => [...c.g, 'write', 'chip', '0', '--hex', ''], code: 2, message: /--hex is empty/ },
  { name: 'an input file larger than the space left', args: (c) => [...c.g, 'write', 'chip', '4000', '--in', c.f('small.bin')], code: 2, message: /100 bytes from offset 0xfa0 run past the end.*at most 96 bytes fit there/ },
  { name: 'an input file larger than the device', args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('big.bin')], code: 2, message: /5000 bytes from offset 0x0 run past the end.*chip is 4096 bytes/ },
  { name: 'an empty input file', args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('empty.bin')], code: 2, message: /input file .*empty\.bin is empty; there is nothing to write/ },
  { name: 'a missing input file', args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('missing.bin')], code: 2, message: /input file .*missing\.bin does not exist; check the path/ },
  { name: 'an input that is a directory', args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('adir')], code: 2, message: /input file .*adir is a directory; give a file/ },
  {
    name: 'an unreadable input file',
    args: (c) => [...c.g, 'write', 'chip', '0', '--in', c.f('locked.bin')],
    code: 2,
    message: /input file .*locked\.bin cannot be read \(permission denied\)/,
    skip: root, // root reads any file
  },
  { name: 'an empty file to verify against', args: (c) => [...c.g, 'verify', 'chip', '--in', c.f('empty.bin')], code: 2, message: /input file .*empty\.bin is empty; there is nothing to compare/ },
  { name: 'verify without a file', args: (c) => [...c.g, 'verify', 'chip'], code: 2, message: /nothing to compare with: give --in FILE or --hex HEX/ },
  { name: 'dump without --out', args: (c) => [...c.g, 'dump', 'chip'], code: 2, message: /dump needs --out FILE/ },
  { name: 'an output into a missing directory', args: (c) => [...c.g, 'read', 'chip', '0', '16', '--out', c.f('no/such/dir/out.bin')], code: 2, message: /--out .*out\.bin: its directory .*no\/such\/dir does not exist/ },
  { name: 'a dump into a directory', args: (c) => [...c.g, 'dump', 'chip', '--out', c.f('adir')], code: 2, message: /--out .*adir is a directory; give a file name/ },
  // Devices.
  { name: 'an unknown device label', args: (c) => [...c.g, 'read', 'eeprom9', '0', '1'], code: 2, message: /no device "eeprom9" on this board; name one by label or path: chip \(\/spi@0\/eeprom@0\)/ },
  { name: 'an unknown device path', args: (c) => [...c.g, 'status', '/spi@0/eeprom@7'], code: 2, message: /no device "\/spi@0\/eeprom@7" on this board/ },
  { name: 'an --image for a device the board lacks', args: (c) => [...c.g, '--image', `eeprom9=${c.f('other.bin')}`, 'status', 'chip'], code: 2, message: /--image names eeprom9, but the board has no such device/ },
  // Board files.
  { name: 'a board file that does not exist', args: (c) => ['--board', c.f('nope.dts'), 'status', 'chip'], code: 2, message: /board file .*nope\.dts \(from --board\) does not exist/ },
  { name: 'a board file that is a directory', args: (c) => ['--board', c.f('adir'), 'status', 'chip'], code: 2, message: /board .*adir is a directory; give a \.dts or \.dtb file/ },
  { name: 'malformed DTS', board: '/dts-v1/;\n/ { a = <1 };\n', args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 3, message: /board\.dts:2:12: error: expected an integer/ },
  { name: 'an empty board file', board: '', args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 3, message: /board\.dts:1:1: error: expected '\/dts-v1\/;' at the start of the file/ },
  { name: 'a reference to a label that does not exist', board: GOOD.replace('<&chip>;\n\t\t\thilbridge,serves', '<&nochip>;\n\t\t\thilbridge,serves'), args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 3, message: /reference to a node or label "nochip" that does not exist/ },
  { name: 'a required binding property missing', board: withPart('size = <4096>;', ''), args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 2, message: /chip \(\/spi@0\/eeprom@0\) cannot be used: .*required property "size" is missing \(binding atmel,at25/ },
  { name: 'a binding property of the wrong type', board: withPart('size = <4096>;', 'size = "huge";'), args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 2, message: /property "size" must be one 32-bit cell \(type int\), but is 5 bytes/ },
  { name: 'a binding property out of its range', board: withPart('address-width = <16>;', 'address-width = <12>;'), args: (c) => [...c.g, 'status', 'chip'], code: 2, lines: 2, message: /property "address-width" is 12, but must be one of 8, 9, 16, 24/ },
  { name: 'a page size that is not a power of two', board: withPart('pagesize = <32>;', 'pagesize = <33>;'), args: (c) => [...c.g, 'status', 'chip'], code: 2, message: /property "pagesize" is 33; EEPROM pages are a power of two/ },
  { name: 'a size the address width cannot reach', board: withPart('address-width = <16>;', 'address-width = <8>;'), args: (c) => [...c.g, 'status', 'chip'], code: 2, message: /address-width.*8.*4096|4096.*address-width/ },
  { name: 'an unknown part compatible', board: withPart('"atmel,at25"', '"acme,at99"'), args: (c) => [...c.g, 'status', 'chip'], code: 2, message: /chip \(\/spi@0\/eeprom@0\) cannot be used: \/spi@0\/eeprom@0: compatible "acme,at99" names no part hilbridge drives; an EEPROM here needs a part's compatible/ },
  {
    name: 'an unknown controller compatible',
    board: GOOD.replace('"hilbridge,mock-spi"', '"acme,spi"'),
    args: (c) => [...c.g, 'status', 'chip'],
    code: 2,
    message: /"chip" \(\/spi@0\/eeprom@0\) is on the board, but hilbridge cannot use it: it sits on \/spi@0, whose compatible "acme,spi" no backend drives/,
  },
  { name: 'a thread running a program that does not exist', board: GOOD.replace('"eeprom-server"', '"no-such-program"'), args: (c) => [...c.g, 'status', 'chip'], code: 2, message: /user program "no-such-program" is neither a built-in/ },
  // Image files.
  { name: 'an image of the wrong size', args: (c) => ['--board', c.f('board.dts'), '--image', `chip=${c.f('small.bin')}`, 'status', 'chip'], code: 2, message: /image .*small\.bin is 100 bytes but the part holds 4096; use an image of the right size/ },
  { name: 'an image that is a directory', args: (c) => ['--board', c.f('board.dts'), '--image', `chip=${c.f('adir')}`, 'status', 'chip'], code: 2, message: /image .*adir is a directory, not a file/ },
  { name: 'an image in a missing directory', args: (c) => ['--board', c.f('board.dts'), '--image', `chip=${c.f('no/such/dir/chip.bin')}`, 'status', 'chip'], code: 2, message: /--image chip=.*chip\.bin: the directory .*no\/such\/dir does not exist; create it/ },
  {
    name: 'an image that cannot be written',
    args: (c) => ['--board', c.f('board.dts'), '--image', `chip=${c.f('locked.bin')}`, 'status', 'chip'],
    code: 2,
    message: /image .*locked\.bin cannot be opened for reading and writing \(permission denied\)/,
    skip: root,
  },
  {
    name: 'a malformed image sidecar',
    setup: (c) => writeFileSync(`${c.img}.state`, '{"format": "hilbridge-image-state", "status": '),
    args: (c) => [...c.g, 'write', 'chip', '0', '--hex', '00'],
    code: 2,
    message: /image state .*\.state is not JSON; delete it to forget the saved registers/,
  },
  // Refusals by the chip's own state: the operation fails (1), still before any byte moves.
  {
    name: 'a write into a block-protected range (protection saved beside the image)',
    setup: (c) => writeFileSync(`${c.img}.state`, JSON.stringify({ format: 'hilbridge-image-state', version: 1, status: 0x08 })),
    args: (c) => [...c.g, 'write', 'chip', '0x7f0', '--hex', '00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 11 22 33 44 55'],
    code: 1,
    message: /EROFS: chip: \[2032, 2054\) overlaps the block-protected range \[2048, 4096\) \(BP = upper-half\)/,
  },
  {
    name: 'an erase over a block-protected range',
    setup: (c) => writeFileSync(`${c.img}.state`, JSON.stringify({ format: 'hilbridge-image-state', version: 1, status: 0x04 })),
    args: (c) => [...c.g, 'erase', 'chip'],
    code: 1,
    message: /EROFS: chip: \[0, 4096\) overlaps the block-protected range \[3072, 4096\) \(BP = upper-quarter\)/,
  },
  { name: 'a write to a part the board marks read-only', board: withPart('address-width = <16>;', 'address-width = <16>;\n\t\t\tread-only;'), args: (c) => [...c.g, 'write', 'chip', '0', '--hex', '00'], code: 1, message: /EROFS: chip: the devicetree marks this EEPROM read-only/ },
];

interface Ran {
  readonly r: CliResult;
  readonly image: Buffer;
}
const results = new Map<string, Ran>();

beforeAll(async () => {
  t = tempDir('hilbridge-bad-input-');
  const queue = CASES.filter((c) => !c.skip).map((c, i) => ({ c, i }));
  const runOne = async ({ c, i }: { c: Case; i: number }): Promise<void> => {
    const dir = join(t.dir, `case-${i}`);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const f = (name: string): string => join(dir, name);
    writeFileSync(f('board.dts'), c.board ?? GOOD);
    writeFileSync(f('small.bin'), Buffer.alloc(100, 0x5a));
    writeFileSync(f('big.bin'), big);
    writeFileSync(f('empty.bin'), '');
    writeFileSync(f('locked.bin'), Buffer.alloc(SIZE, 1));
    chmodSync(f('locked.bin'), 0o000);
    const img = f('chip.bin');
    writeFileSync(img, PATTERN);
    const ctx: Ctx = { img, f, g: ['--board', f('board.dts'), '--image', `chip=${img}`] };
    c.setup?.(ctx);
    const r = await runCli(c.args(ctx));
    results.set(c.name, { r, image: readFileSync(img) });
  };
  // A few at a time: each case is a process of its own.
  const workers = Array.from({ length: 4 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runOne(next);
  });
  await Promise.all(workers);
}, 240_000);
afterAll(() => t?.cleanup());

test('the catalogue has at least 40 kinds of bad input', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(40);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  (c.skip ? test.skip : test)(`exit ${c.code}, a clear error, nothing written`, () => {
    const { r, image } = results.get(c.name)!;
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: c.code, stdout: '' });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(c.lines ?? 1);
    expect(lines[0]).toMatch(/^hilbridge: E[A-Z]+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(c.message);
    expect(image.equals(PATTERN)).toBe(true);
  });
});

describe('hardware that is not there or does not answer (real backends under the hilemu shim)', () => {
  let server: ModelServer;
  beforeAll(async () => {
    server = await ModelServer.start({ clock: new VirtualClock() }); // no chip on any bus
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  const env = (spidev: string[], i2c: string[]): NodeJS.ProcessEnv => emuProcessEnv({ socketPath: server.socketPath, spidev, i2c });

  test('a serial port that does not exist: exit 1, says what to do', async () => {
    const r = await runCli(['--board', join(ROOT, 'dts', 'serprog-at25.dts'), '--port', '/nonexistent/ttyHIL9', 'status', 'eeprom0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hilbridge: ENODEV: .*serial port \/nonexistent\/ttyHIL9 does not exist/);
  });

  test('a chip that never answers: the write times out (exit 1), and the bus saw no data for it to keep', async () => {
    const r = await runCli(['--board', join(ROOT, 'dts', 'rpi-at25.dts'), 'write', 'eeprom0', '0', '--hex', '00 11', '--yes'], { env: env(['/dev/spidev0.0'], []) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hilbridge: ETIMEDOUT: eeprom0: write cycle still running after \d+ ms \(status 0xff\); check the chip/);
  });

  test('an I2C address nobody acknowledges: exit 1, names the address and what to check', async () => {
    const r = await runCli(['--board', join(ROOT, 'dts', 'rpi-at25-at24.dts'), 'read', 'eeprom1', '0', '16'], { env: env(['/dev/spidev0.0'], ['/dev/i2c-1']) });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    // The driver takes a NACK for a chip busy in its write cycle and polls, up to the node's timeout.
    expect(r.stderr).toMatch(/^hilbridge: ETIMEDOUT: eeprom1: no acknowledge from 0x50 for \d+ ms \(a write cycle that never ends, a missing chip, or a wrong address\); check wiring/);
    const writes = server.log.filter((x) => x.kind === 'i2c' && x.msgs.some((m) => !m.read && m.data.length > 2));
    expect(writes).toEqual([]); // nothing was written
  });
});
