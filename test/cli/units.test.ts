/**
 * The CLI's pure helpers: number parsing with units, range refusals that name the device size,
 * byte strings, page spans for --dry-run, and the hexdump layout.
 */
import { UsageError } from '../../src/cli/errors';
import { pageSpans } from '../../src/cli/commands/write';
import { parseHexBytes } from '../../src/cli/files';
import { hexdump } from '../../src/cli/hexdump';
import { checkRange } from '../../src/abi/eeprom-iface';
import { describeSize, parseByte, parseQuantity } from '../../src/cli/numbers';

test.each([
  ['0', 0],
  ['4096', 4096],
  ['0x1000', 4096],
  ['0X1f', 31],
  ['4k', 4096],
  ['4K', 4096],
  ['4KiB', 4096],
  ['0x2k', 2048],
  ['1M', 1048576],
  ['1MiB', 1048576],
  [' 12 ', 12],
])('parseQuantity(%s) = %d', (text, n) => {
  expect(parseQuantity(text, 'offset')).toBe(n);
});

test.each(['-1', '-0x10', 'abc', '12q', '0x', '', '1.5', '4kb', '99999999999999999999'])('parseQuantity refuses %j as a usage error', (text) => {
  expect(() => parseQuantity(text, 'offset')).toThrow(UsageError);
});

test('a negative number is called negative, garbage is called not a number', () => {
  expect(() => parseQuantity('-5', 'offset')).toThrow(/negative/);
  expect(() => parseQuantity('five', 'length')).toThrow(/length "five" is not a number.*0x1000/);
});

test('parseByte takes 0..255 in decimal or hex', () => {
  expect(parseByte('0', 'fill')).toBe(0);
  expect(parseByte('0xa5', 'fill')).toBe(0xa5);
  expect(parseByte('255', 'fill')).toBe(255);
  for (const bad of ['256', '-1', '0x100', 'x']) expect(() => parseByte(bad, '--fill')).toThrow(/--fill .* is not a byte/);
});

test('ranges past the end are refused with the device size in the message', () => {
  expect(() => checkRange('eeprom0', 32768, 0, 32768)).not.toThrow();
  expect(() => checkRange('eeprom0', 32768, 32768, 0)).not.toThrow();
  expect(() => checkRange('eeprom0', 32768, 32768, 1)).toThrow(/past the end.*eeprom0 is 32768 bytes \(32 KiB\), offsets 0\.\.0x7fff/);
  expect(() => checkRange('eeprom0', 32768, 32760, 16)).toThrow(/16 bytes from offset 0x7ff8 run past the end.*at most 8 bytes fit/);
  expect(describeSize(512)).toBe('512 bytes');
  expect(describeSize(1048576)).toBe('1048576 bytes (1 MiB)');
});

test('parseHexBytes accepts common spellings and refuses odd or non-hex input', () => {
  expect([...parseHexBytes('de ad be ef')]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  expect([...parseHexBytes('0xDEAD')]).toEqual([0xde, 0xad]);
  expect([...parseHexBytes('de:ad')]).toEqual([0xde, 0xad]);
  expect(() => parseHexBytes('abc')).toThrow(/odd number/);
  expect(() => parseHexBytes('zz')).toThrow(/not hex digits/);
  expect(() => parseHexBytes(' ')).toThrow(/empty/);
});

test('pageSpans splits at page boundaries and marks partial pages', () => {
  expect(pageSpans(60, 10, 64)).toEqual([
    { page: 0, from: 60, to: 63, bytes: 4, whole: false },
    { page: 1, from: 64, to: 69, bytes: 6, whole: false },
  ]);
  const spans = pageSpans(0, 256, 64);
  expect(spans.map((s) => s.page)).toEqual([0, 1, 2, 3]);
  expect(spans.every((s) => s.whole)).toBe(true);
});

test('hexdump aligns rows to 16 and counts addresses from the device offset', () => {
  const out = hexdump(Uint8Array.from([0x41, 0x42, 0x00, 0xff]), 0x1e);
  const blank = (n: number): string => ' '.repeat(n);
  // 14 empty columns of 3, one extra space after the 8th column, then the two bytes.
  expect(out).toBe(`0010  ${blank(14 * 3 + 1)}41 42  |${blank(14)}AB|\n0020  00 ff ${blank(14 * 3 + 1)} |..${blank(14)}|\n`);
  const rows = out.trimEnd().split('\n');
  expect(rows[0]!.length).toBe(rows[1]!.length);
  expect(hexdump(new Uint8Array(0), 0)).toBe('');
});
