/**
 * Intel HEX: what the reader accepts (all six record types, segment and linear addressing, line
 * endings, blank lines), what it refuses and how the refusal names the line, what the writer
 * emits, and round trips through the writer and the reader.
 */
import fc from 'fast-check';
import { formatImage, formatSegments, parseImage } from '../../src/formats';
import { IHEX_EOF, ihexLine, reader } from './build-records';

const { parse, segs, fail } = reader('ihex', 'chip.hex');

describe('reading', () => {
  test('data records merge into sorted segments; gaps stay gaps', () => {
    const text = [ihexLine(0, 0x0110, [5, 6]), ihexLine(0, 0x0100, [1, 2, 3]), ihexLine(0, 0x0103, [4]), IHEX_EOF, ''].join('\n');
    expect(segs(parse(text))).toEqual([
      [0x100, [1, 2, 3, 4]],
      [0x110, [5, 6]],
    ]);
  });

  test('extended linear address records reach all of 4 GiB, including the top byte', () => {
    const text = [ihexLine(4, 0, [0x80, 0x00]), ihexLine(0, 0x0010, [0xaa]), ihexLine(4, 0, [0xff, 0xff]), ihexLine(0, 0xfffe, [1, 2]), IHEX_EOF].join('\n');
    expect(segs(parse(text))).toEqual([
      [0x8000_0010, [0xaa]],
      [0xffff_fffe, [1, 2]],
    ]);
  });

  test('a linear record that crosses a 64 KiB boundary continues into the next one', () => {
    const text = [ihexLine(4, 0, [0, 1]), ihexLine(0, 0xfffe, [1, 2, 3, 4]), IHEX_EOF].join('\n');
    expect(segs(parse(text))).toEqual([[0x1fffe, [1, 2, 3, 4]]]);
  });

  test('extended segment addresses are base * 16, and a record wraps inside its 64 KiB segment', () => {
    const text = [ihexLine(2, 0, [0x12, 0x34]), ihexLine(0, 0x0005, [9]), ihexLine(0, 0xfffe, [1, 2, 3]), IHEX_EOF].join('\n');
    expect(segs(parse(text))).toEqual([
      [0x12340, [3]],
      [0x12345, [9]],
      [0x2233e, [1, 2]],
    ]);
  });

  test('start address records (03, 05) are accepted and ignored', () => {
    const text = [ihexLine(3, 0, [0, 0, 1, 2]), ihexLine(5, 0, [0, 0, 0, 4]), ihexLine(0, 0, [7]), IHEX_EOF].join('\n');
    expect(segs(parse(text))).toEqual([[0, [7]]]);
  });

  test('CRLF, CR, lower-case digits, indentation and blank lines are fine', () => {
    const text = `\r\n  ${ihexLine(0, 0x20, [0xab, 0xcd]).toLowerCase()}  \r\n\r\n${IHEX_EOF}\r`;
    expect(segs(parse(text))).toEqual([[0x20, [0xab, 0xcd]]]);
  });

  test('identical overlapping records are accepted once', () => {
    const text = [ihexLine(0, 0x10, [1, 2, 3, 4]), ihexLine(0, 0x12, [3, 4, 5]), ihexLine(0, 0x10, [1, 2]), IHEX_EOF].join('\n');
    expect(segs(parse(text))).toEqual([[0x10, [1, 2, 3, 4, 5]]]);
  });
});

describe('refusals name the line and what is wrong', () => {
  const good = ihexLine(0, 0x10, [1, 2]);

  test('bad checksum', () => {
    const bad = `${good.slice(0, -2)}00`;
    const e = fail(['', good, bad, IHEX_EOF].join('\n'));
    expect(e.message).toBe("chip.hex line 3: checksum is 0x00 but the record's bytes need 0xeb; the file is damaged: restore it from a good copy or regenerate it");
    expect(e.line).toBe(3);
    expect(e.code).toBe('EINVAL');
  });

  test('odd number of hex digits', () => {
    expect(fail([good, ':0100200001D', IHEX_EOF].join('\n')).message).toMatch(/^chip\.hex line 2: odd number of hex digits \(11\)/);
  });

  test('a character that is not a hex digit, with its column', () => {
    expect(fail(`  :02001000010G02EB\n${IHEX_EOF}`).message).toMatch(/^chip\.hex line 1: 'G' at column 15 is not a hex digit/);
    expect(fail(`:0200 1000010202EB\n${IHEX_EOF}`).message).toMatch(/a space at column 6 is not a hex digit.*no spaces inside a record/);
  });

  test('unknown record type', () => {
    expect(fail([ihexLine(6, 0, []), IHEX_EOF].join('\n')).message).toMatch(/^chip\.hex line 1: unknown record type 0x06; Intel HEX has types 00 to 05/);
  });

  test('a length byte that does not match the data', () => {
    expect(fail(`:030010000102E9\n${IHEX_EOF}`).message).toMatch(/line 1: the record says it holds 3 data bytes but it holds 2/);
  });

  test('a control record of the wrong length', () => {
    expect(fail([ihexLine(4, 0, [1]), IHEX_EOF].join('\n')).message).toMatch(/line 1: an extended linear address record \(type 0x04\) holds 2 data bytes, this one 1/);
  });

  test('a line that is not a record', () => {
    expect(fail(`${good}\nhello\n${IHEX_EOF}`).message).toMatch(/^chip\.hex line 2: does not start with ':' \(it starts with "hello"\)/);
    expect(fail(`:0000\n${IHEX_EOF}`).message).toMatch(/line 1: is too short for a record: 2 bytes/);
  });

  test('data beyond 4 GiB', () => {
    const e = fail([ihexLine(4, 0, [0xff, 0xff]), ihexLine(0, 0xfffe, [1, 2, 3]), IHEX_EOF].join('\n'));
    expect(e.message).toMatch(/^chip\.hex line 2: 3 bytes at 0xfffffffe reach past 4 GiB/);
  });

  test('overlapping records with different data name both lines, the address and both values', () => {
    const e = fail([ihexLine(0, 0x10, [1, 2, 3, 4]), good, ihexLine(0, 0x12, [3, 9]), IHEX_EOF].join('\n'));
    expect(e.message).toBe(
      'chip.hex: lines 1 and 3 give different bytes for address 0x13 (0x04 and 0x09); the file holds two versions of the same memory: regenerate it from one source',
    );
    expect(e.line).toBe(3);
  });

  test('a missing end-of-file record, and anything after it', () => {
    expect(fail(good).message).toMatch(/^chip\.hex ends without an end-of-file record \(:00000001FF\), so it may have been cut short/);
    expect(fail([good, IHEX_EOF, good].join('\n')).message).toMatch(/^chip\.hex line 3: holds ":020010000102EB" after the end-of-file record on line 2/);
  });

  test('an empty file, and a file without data', () => {
    const empty = fail(''); // zero bytes
    expect(empty.code).toBe('ENODATA');
    expect(empty.message).toBe('chip.hex is empty (0 bytes); there is nothing to write or compare');
    const noData = fail(`\n${IHEX_EOF}\n`);
    expect(noData.code).toBe('ENODATA');
    expect(noData.message).toBe('chip.hex is an Intel HEX file without data records; there is nothing to write or compare');
  });
});

describe('writing', () => {
  test('16-byte records aligned to 16, no address record below 64 KiB, then end of file', () => {
    const data = Uint8Array.from({ length: 20 }, (_, i) => i);
    const text = Buffer.from(formatImage(data, 0x0c, 'ihex')).toString('latin1');
    expect(text).toBe([ihexLine(0, 0x0c, [0, 1, 2, 3]), ihexLine(0, 0x10, [...data.subarray(4)]), IHEX_EOF, ''].join('\n'));
  });

  test('32-byte records, and an extended linear address record at each 64 KiB boundary', () => {
    const data = new Uint8Array(64).fill(0xa5);
    const lines = Buffer.from(formatImage(data, 0x2ffe0, 'ihex', { recordSize: 32 })).toString('latin1').trimEnd().split('\n');
    expect(lines).toEqual([
      ihexLine(4, 0, [0x00, 0x02]),
      ihexLine(0, 0xffe0, [...data.subarray(0, 32)]),
      ihexLine(4, 0, [0x00, 0x03]),
      ihexLine(0, 0x0000, [...data.subarray(32)]),
      IHEX_EOF,
    ]);
  });

  test('the last byte of the 4 GiB space can be written', () => {
    const text = formatImage(Uint8Array.of(1, 2), 0xffff_fffe, 'ihex');
    expect(segs(parseImage(text, 'ihex'))).toEqual([[0xffff_fffe, [1, 2]]]);
    expect(() => formatImage(Uint8Array.of(1, 2, 3), 0xffff_fffe, 'ihex')).toThrow(/reach past 4 GiB/);
  });

  test('record sizes outside 1..255 are refused', () => {
    expect(() => formatImage(new Uint8Array(4), 0, 'ihex', { recordSize: 256 })).toThrow(/record size 256 is out of range: an Intel HEX record holds 1 to 255 data bytes/);
    expect(() => formatImage(new Uint8Array(4), 0, 'ihex', { recordSize: 0 })).toThrow(/out of range/);
  });
});

describe('round trips (property)', () => {
  const recordSize = fc.oneof(fc.constant(16), fc.constant(32), fc.integer({ min: 1, max: 255 }));

  test('formatImage then parseImage gives back the bytes at their address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.nat(0xffff_ffff), recordSize, (data, rawBase, size) => {
        const base = Math.min(rawBase, 0x1_0000_0000 - data.length);
        const img = parseImage(formatImage(data, base, 'ihex', { recordSize: size }), 'auto');
        expect(img.format).toBe('ihex');
        expect(img.segments).toHaveLength(1);
        expect(img.segments[0]!.address).toBe(base);
        expect([...img.segments[0]!.data]).toEqual([...data]);
      }),
      { numRuns: 200 },
    );
  });

  test('a sparse image survives formatSegments then parseImage', () => {
    const sparse = fc
      .array(fc.record({ gap: fc.integer({ min: 1, max: 0x30000 }), data: fc.uint8Array({ minLength: 1, maxLength: 80 }) }), { minLength: 1, maxLength: 8 })
      .map((parts) => {
        let at = 0;
        return parts.map((p) => {
          at += p.gap;
          const s = { address: at, data: p.data };
          at += p.data.length;
          return s;
        });
      });
    fc.assert(
      fc.property(sparse, recordSize, (segments, size) => {
        const img = parseImage(formatSegments(segments, 'ihex', { recordSize: size }), 'ihex');
        expect(segs(img)).toEqual(segments.map((s) => [s.address, [...s.data]]));
      }),
      { numRuns: 100 },
    );
  });
});
