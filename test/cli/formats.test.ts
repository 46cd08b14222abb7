/**
 * Intel HEX and S-records through the built binary: a sparse file writes only the ranges it covers
 * (the bytes between stay as they were), --dry-run lists the pages per range, OFFSET is added to a
 * file's addresses, read/dump write either format (by --format or the --out extension) with the
 * device offsets as addresses, and a file that is damaged, empty or too large for the chip is a
 * usage error with nothing written.
 */
import { readFileSync } from 'node:fs';
import { formatSegments } from '../../src/formats';
import { imageBoard, runCli, runJson } from './run-cli';

// Each test runs the binary several times; on a loaded two-core machine that takes a while.
jest.setTimeout(120_000);

const t = imageBoard({ size: 4096, pageSize: 32, writeCycleUs: 50 });
const chip = (fill = 0x11): string => t.image(fill);
const g = (img: string): string[] => t.g(img);
const bytes = (n: number, from: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** Two ranges with a gap, as a linker writes an EEPROM section: 0x10..0x2f and 0x100..0x107. */
const SPARSE = [
  { address: 0x10, data: bytes(32, 0xa0) },
  { address: 0x100, data: bytes(8, 0x40) },
];

describe.each([
  ['ihex', 'sparse.hex'],
  ['srec', 'sparse.s19'],
] as const)('%s input', (format, name) => {
  test('writes only the ranges the file covers; the gap and the rest keep their bytes', async () => {
    const file = t.file(`${format}-${name}`, formatSegments(SPARSE, format));
    const img = chip();
    const w = await runJson([...g(img), 'write', 'chip', '--in', file]);
    expect(w.code).toBe(0);
    expect(w.json).toMatchObject({ format, offset: 0x10, length: 40, ranges: [{ offset: 0x10, length: 32 }, { offset: 0x100, length: 8 }], pagesWritten: 3 });
    const after = readFileSync(img);
    expect([...after.subarray(0x10, 0x30)]).toEqual([...SPARSE[0]!.data]);
    expect([...after.subarray(0x100, 0x108)]).toEqual([...SPARSE[1]!.data]);
    const untouched = Buffer.concat([after.subarray(0, 0x10), after.subarray(0x30, 0x100), after.subarray(0x108)]);
    expect(untouched.every((b) => b === 0x11)).toBe(true);

    const text = await runCli([...g(img), 'verify', 'chip', '--in', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^chip matches .*${name.replace('.', '\\.')}: 40 bytes in 2 ranges \\(0x10\\.\\.0x2f, 0x100\\.\\.0x107\\)\\n$`));
  });

  test('OFFSET is added to the file\'s addresses (write and verify alike)', async () => {
    const file = t.file(`${format}-off-${name}`, formatSegments(SPARSE, format));
    const img = chip(0xff);
    expect((await runCli([...g(img), 'write', 'chip', '0x400', '--in', file])).code).toBe(0);
    const after = readFileSync(img);
    expect([...after.subarray(0x410, 0x430)]).toEqual([...SPARSE[0]!.data]);
    expect([...after.subarray(0x500, 0x508)]).toEqual([...SPARSE[1]!.data]);
    expect(after.subarray(0, 0x410).every((b) => b === 0xff)).toBe(true);
    expect((await runCli([...g(img), 'verify', 'chip', '0x400', '--in', file])).code).toBe(0);
    const wrongPlace = await runJson([...g(img), 'verify', 'chip', '--in', file]);
    expect(wrongPlace.code).toBe(1);
    expect(wrongPlace.json).toMatchObject({ match: false, differences: 40 });
  });
});

test('--dry-run lists the pages of each range and writes nothing', async () => {
  const file = t.file('dry.hex', formatSegments(SPARSE, 'ihex'));
  const img = chip();
  const r = await runCli([...g(img), 'write', 'chip', '--in', file, '--dry-run']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(
    'range 1 of 2: 32 bytes at 0x0010..0x002f\n' +
      '  page 0 [0x0000..0x001f]: 16 bytes at 0x0010..0x001f (part of the page)\n' +
      '  page 1 [0x0020..0x003f]: 16 bytes at 0x0020..0x002f (part of the page)\n' +
      'range 2 of 2: 8 bytes at 0x0100..0x0107\n' +
      '  page 8 [0x0100..0x011f]: 8 bytes at 0x0100..0x0107 (part of the page)\n' +
      'dry run: nothing written; 40 bytes in 2 ranges would go to 3 pages of chip, then be verified\n',
  );
  expect(readFileSync(img).every((b) => b === 0x11)).toBe(true);
});

test('the content decides the format, whatever the name says; --format can insist', async () => {
  const hexNamedBin = t.file('really-hex.bin', formatSegments([{ address: 0x20, data: bytes(4, 1) }], 'ihex'));
  const img = chip();
  const w = await runJson([...g(img), 'write', 'chip', '--in', hexNamedBin]);
  expect(w.json).toMatchObject({ format: 'ihex', offset: 0x20, length: 4 });
  // --format bin writes the text itself, as raw bytes.
  const raw = await runJson([...g(img), 'write', 'chip', '0x800', '--in', hexNamedBin, '--format', 'bin']);
  expect(raw.json).toMatchObject({ format: 'bin', offset: 0x800, length: readFileSync(hexNamedBin).length });
  expect(readFileSync(img).subarray(0x800, 0x801).toString()).toBe(':');
});

test('read and dump write Intel HEX and S-records with the device offsets as addresses; a file read back goes where it came from', async () => {
  const img = chip();
  const data = Buffer.from(bytes(4096, 7));
  const src = t.file('src.bin', data);
  expect((await runCli([...g(img), 'write', 'chip', '--in', src])).code).toBe(0);

  const part = t.file('part.hex');
  const r = await runCli([...g(img), 'read', 'chip', '0x100', '0x20', '--out', part]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/into .*part\.hex \(Intel HEX\)/);
  expect(readFileSync(part, 'utf8').split('\n')[0]).toBe(`:10010000${Buffer.from(data.subarray(0x100, 0x110)).toString('hex').toUpperCase()}${checksum(0x10, 0x0100, 0, data.subarray(0x100, 0x110))}`);

  const srec = await runCli([...g(img), 'read', 'chip', '0x100', '0x20', '--format', 'srec']);
  expect(srec.stdout).toMatch(/^S0030000FC\nS1130100/);

  for (const [out, format] of [['all.hex', 'Intel HEX'], ['all.s19', 'Motorola S-record'], ['all.srec', 'Motorola S-record'], ['all.img', 'raw binary']] as const) {
    const d = await runCli([...g(img), 'dump', 'chip', '--out', t.file(out)]);
    expect(d.stdout).toMatch(new RegExp(`dumped chip \\(4096 bytes\\) to .*${out.replace('.', '\\.')} \\(${format}\\)`));
  }

  // Erase, restore from the HEX dump, and compare with the original.
  expect((await runCli([...g(img), 'erase', 'chip'])).code).toBe(0);
  const back = await runCli([...g(img), 'write', 'chip', '--in', t.file('all.hex')]);
  expect(back.code).toBe(0);
  expect(readFileSync(img).equals(data)).toBe(true);
  expect((await runCli([...g(img), 'verify', 'chip', '--in', t.file('all.s19')])).code).toBe(0);
  expect((await runCli([...g(img), 'verify', 'chip', '--in', t.file('all.img')])).code).toBe(0);
});

function checksum(count: number, address: number, type: number, data: Uint8Array): string {
  let sum = count + (address >> 8) + (address & 0xff) + type;
  for (const b of data) sum += b;
  return (-sum & 0xff).toString(16).padStart(2, '0').toUpperCase();
}

describe('bad files are usage errors (exit 2), and nothing is written', () => {
  test.each([
    ['empty.hex', '', /input file .*empty\.hex is empty; there is nothing to write/],
    ['bad-sum.hex', ':0400000001020304F0\n:00000001FF\n', /bad-sum\.hex line 1: checksum is 0xf0 but the record's bytes need 0xf2/],
    ['cut.hex', ':0400000001020304F2\n', /cut\.hex ends without an end-of-file record/],
    ['nodata.s19', 'S0030000FC\nS9030000FC\n', /nodata\.s19 is a Motorola S-record file without data records/],
    ['too-big.hex', null, /too-big\.hex does not fit chip \(4096 bytes, offsets 0\.\.0xfff\): it holds data up to 0x1003, the first byte past the end is at 0x1000/],
  ])('%s', async (name, content, message) => {
    const file = t.file(name, content ?? formatSegments([{ address: 0x10, data: bytes(4, 0) }, { address: 0x1000, data: bytes(4, 0) }], 'ihex'));
    const img = chip();
    const r = await runCli([...g(img), 'write', 'chip', '--in', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(img).every((b) => b === 0x11)).toBe(true);
  });

  test('verify against an empty file is a usage error, not a match of 0 bytes', async () => {
    const r = await runCli(['verify', 'eeprom0', '--in', t.file('nothing.bin', '')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input file .*nothing\.bin is empty; there is nothing to compare/);
    expect(r.stdout).toBe('');
  });
});
