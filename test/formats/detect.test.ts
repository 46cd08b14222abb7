/**
 * Format detection: content decides, the extension only breaks the tie for damaged text, and raw
 * binary is never mistaken for records.
 */
import fc from 'fast-check';
import { detectFormat, formatFromFileName, formatImage, parseImage } from '../../src/formats';
import { bytesOf, IHEX_EOF, ihexLine, SREC_END, srecLine } from './build-records';

const ihex = [ihexLine(0, 0, [1, 2, 3]), IHEX_EOF, ''].join('\n');
const srec = [srecLine(0, 0, []), srecLine(1, 0, [1, 2, 3]), SREC_END, ''].join('\r\n');

test('well-formed records are recognised whatever the file is called', () => {
  for (const name of [undefined, 'chip.hex', 'chip.bin', 'chip.s19', 'chip']) {
    expect(detectFormat(bytesOf(ihex), name)).toBe('ihex');
    expect(detectFormat(bytesOf(srec), name)).toBe('srec');
  }
  expect(detectFormat(bytesOf(`\n\n   ${ihex}`))).toBe('ihex');
});

test('a damaged text file keeps its record format unless it is called .bin, so the parser can name the line', () => {
  const damaged = [ihexLine(0, 0, [1]), ':zz', IHEX_EOF].join('\n');
  expect(detectFormat(bytesOf(damaged), 'chip.hex')).toBe('ihex');
  expect(detectFormat(bytesOf(damaged))).toBe('ihex');
  expect(detectFormat(bytesOf(damaged), 'chip.bin')).toBe('bin');
  expect(() => parseImage(bytesOf(damaged), 'auto', { source: 'chip.hex' })).toThrow(/^chip\.hex line 2: 'z' at column 2 is not a hex digit/);
});

test('binary content is raw binary, even when named .hex', () => {
  expect(detectFormat(Uint8Array.of(0x3a, 0x31, 0x30, 0x00, 0xff), 'chip.hex')).toBe('bin');
  expect(detectFormat(new Uint8Array(4096).fill(0xff), 'chip.hex')).toBe('bin');
  expect(detectFormat(bytesOf('Some notes about the chip\n'))).toBe('bin');
});

test('an empty file: the extension, else bin (the parser then says it is empty)', () => {
  expect(detectFormat(new Uint8Array(0))).toBe('bin');
  expect(detectFormat(new Uint8Array(0), 'x.srec')).toBe('srec');
  expect(() => parseImage(new Uint8Array(0), 'auto', { source: 'x.srec' })).toThrow('x.srec is empty (0 bytes); there is nothing to write or compare');
});

test('parseImage takes the hint from fileName when the source is not a file name', () => {
  const damaged = bytesOf(`:10zz\n${IHEX_EOF}\n`);
  expect(() => parseImage(damaged, 'auto', { source: 'standard input', fileName: 'x.bin' })).not.toThrow();
  expect(() => parseImage(damaged, 'auto', { source: 'standard input' })).toThrow(/^standard input line 1: 'z' at column 4 is not a hex digit/);
});

test('only the first lines are judged; a long file is not read to its end', () => {
  const big = formatImage(new Uint8Array(100_000), 0, 'ihex');
  expect(big.length).toBeGreaterThan(4096);
  expect(detectFormat(big)).toBe('ihex');
  expect(detectFormat(formatImage(new Uint8Array(100_000), 0x100_0000, 'srec'))).toBe('srec');
});

test('extensions', () => {
  expect(formatFromFileName('a/b/chip.HEX')).toBe('ihex');
  expect(formatFromFileName('chip.eep')).toBe('ihex');
  expect(formatFromFileName('chip.s37')).toBe('srec');
  expect(formatFromFileName('chip.mot')).toBe('srec');
  expect(formatFromFileName('chip.bin')).toBe('bin');
  expect(formatFromFileName('chip.txt')).toBeUndefined();
  expect(formatFromFileName('-')).toBeUndefined();
});

test('random binary with a byte outside printable ASCII is always bin (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(199), fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff), fc.constantFrom(undefined, 'x.hex', 'x.s19'), (data, at, odd, name) => {
      const bytes = Uint8Array.of(0x3a, ...data);
      bytes[Math.min(at, data.length)] = odd;
      expect(detectFormat(bytes, name)).toBe('bin');
    }),
  );
});

test('whatever the writer produces is detected as what it is (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(0xffff_0000), fc.constantFrom('ihex' as const, 'srec' as const), (data, base, format) => {
      expect(detectFormat(formatImage(data, base, format), 'dump.bin')).toBe(format);
    }),
  );
});
