/**
 * Motorola S-records: S1/S2/S3 data, S0 headers, S5/S6 counts checked against the data records,
 * S7/S8/S9 termination; refusals that name the line; the writer's choice of address width and
 * termination record; round trips through the writer and the reader.
 */
import fc from 'fast-check';
import { formatImage, formatSegments, parseImage } from '../../src/formats';
import { reader, SREC_END, srecLine } from './build-records';

const { parse, segs, fail } = reader('srec', 'chip.s19');
const lines = (bytes: Uint8Array): string[] => Buffer.from(bytes).toString('latin1').trimEnd().split('\n');

describe('reading', () => {
  test('S1, S2 and S3 data records in one file, with a header and a count', () => {
    const text = [
      srecLine(0, 0, [...Buffer.from('backup')]),
      srecLine(3, 0x1234_5678, [1, 2]),
      srecLine(1, 0x0010, [3, 4]),
      srecLine(2, 0x12_3456, [5]),
      srecLine(1, 0x0012, [6]),
      srecLine(5, 4, []),
      srecLine(7, 0, []),
      '',
    ].join('\n');
    expect(segs(parse(text))).toEqual([
      [0x10, [3, 4, 6]],
      [0x12_3456, [5]],
      [0x1234_5678, [1, 2]],
    ]);
  });

  test('S6 counts, S8 termination, CRLF, lower case and blank lines', () => {
    const text = `${srecLine(2, 0x20_0000, [0xde, 0xad]).toLowerCase()}\r\n\r\n${srecLine(6, 1, [])}\r\n${srecLine(8, 0x20_0000, [])}\r\n`;
    expect(segs(parse(text))).toEqual([[0x20_0000, [0xde, 0xad]]]);
  });

  test('data up to the last byte of 4 GiB', () => {
    expect(segs(parse([srecLine(3, 0xffff_fffe, [1, 2]), srecLine(7, 0, [])].join('\n')))).toEqual([[0xffff_fffe, [1, 2]]]);
  });
});

describe('refusals name the line and what is wrong', () => {
  const good = srecLine(1, 0x10, [1, 2]);

  test('bad checksum', () => {
    const e = fail([good, `${good.slice(0, -2)}00`, SREC_END].join('\n'));
    expect(e.message).toBe("chip.s19 line 2: checksum is 0x00 but the record's bytes need 0xe7; the file is damaged: restore it from a good copy or regenerate it");
    expect(e.line).toBe(2);
  });

  test('odd number of hex digits, and a stray character', () => {
    expect(fail(`S10500100102E\n${SREC_END}`).message).toMatch(/^chip\.s19 line 1: odd number of hex digits \(11\); every byte of an S-record takes two/);
    expect(fail(`${good}\nS1050010Z102E7\n${SREC_END}`).message).toMatch(/^chip\.s19 line 2: 'Z' at column 9 is not a hex digit/);
  });

  test('unknown record types, S4 among them', () => {
    expect(fail(`S4030000FC\n${SREC_END}`).message).toMatch(/^chip\.s19 line 1: unknown record type S4; .* — S4 is reserved/);
    expect(fail(`SX030000FC\n${SREC_END}`).message).toMatch(/^chip\.s19 line 1: unknown record type SX/);
    expect(fail(`${good}\nhello\n${SREC_END}`).message).toMatch(/^chip\.s19 line 2: does not start with 'S'/);
  });

  test('a byte count that does not match the record, or too short for its address', () => {
    expect(fail(`S10600100102E7\n${SREC_END}`).message).toMatch(/line 1: the record says 6 bytes follow its count but 5 do/);
    expect(fail(`S3030000FC\n${SREC_END}`).message).toMatch(/line 1: S3 record is too short: 3 bytes after the count, but its address and checksum alone take 5/);
  });

  test('data beyond 4 GiB', () => {
    expect(fail([srecLine(3, 0xffff_fffe, [1, 2, 3]), srecLine(7, 0, [])].join('\n')).message).toMatch(/^chip\.s19 line 1: 3 bytes at 0xfffffffe reach past 4 GiB/);
  });

  test('a count record that disagrees with the data records before it', () => {
    expect(fail([good, srecLine(5, 2, []), SREC_END].join('\n')).message).toMatch(/^chip\.s19 line 2: the S5 count record says 2 data records come before it, but 1 do: records were lost or added/);
  });

  test('overlapping data that differs', () => {
    expect(fail([srecLine(1, 0x10, [1, 2, 3]), srecLine(1, 0x11, [2, 4]), SREC_END].join('\n')).message).toBe(
      'chip.s19: lines 1 and 2 give different bytes for address 0x12 (0x03 and 0x04); the file holds two versions of the same memory: regenerate it from one source',
    );
  });

  test('no termination record, or something after it', () => {
    expect(fail(good).message).toMatch(/^chip\.s19 ends without a termination record \(S7, S8 or S9\), so it may have been cut short/);
    expect(fail([good, SREC_END, good].join('\n')).message).toMatch(/^chip\.s19 line 3: holds "S1050010010[0-9A-F]+" after the termination record on line 2/);
  });

  test('a file with a header and no data', () => {
    const e = fail([srecLine(0, 0, [0x41]), SREC_END].join('\n'));
    expect(e.code).toBe('ENODATA');
    expect(e.message).toBe('chip.s19 is a Motorola S-record file without data records; there is nothing to write or compare');
  });
});

describe('writing', () => {
  test('S1 and S9 while the highest address fits 16 bits, with header and count', () => {
    const out = lines(formatImage(Uint8Array.of(1, 2, 3), 0xfffd, 'srec', { header: 'hb' }));
    expect(out).toEqual([srecLine(0, 0, [0x68, 0x62]), srecLine(1, 0xfffd, [1, 2, 3]), srecLine(5, 1, []), srecLine(9, 0, [])]);
  });

  test('S2 and S8 from 0x10000, S3 and S7 from 0x1000000', () => {
    const s2 = lines(formatImage(Uint8Array.of(1, 2, 3), 0xfffe, 'srec'));
    expect(s2).toEqual([srecLine(0, 0, []), srecLine(2, 0xfffe, [1, 2]), srecLine(2, 0x10000, [3]), srecLine(5, 2, []), srecLine(8, 0, [])]);
    const s3 = lines(formatImage(Uint8Array.of(9), 0xff_ffff + 1, 'srec'));
    expect(s3).toEqual([srecLine(0, 0, []), srecLine(3, 0x100_0000, [9]), srecLine(5, 1, []), srecLine(7, 0, [])]);
  });

  test('records are aligned to the record size; 32-byte records on request', () => {
    const data = new Uint8Array(40).fill(0x5a);
    const out = lines(formatImage(data, 0x18, 'srec', { recordSize: 32 }));
    expect(out.slice(1, 3)).toEqual([srecLine(1, 0x18, [...data.subarray(0, 8)]), srecLine(1, 0x20, [...data.subarray(8)])]);
  });

  test('an S6 count past 65535 records', () => {
    const out = lines(formatImage(new Uint8Array(65536), 0, 'srec', { recordSize: 1 }));
    expect(out[out.length - 2]).toBe(srecLine(6, 65536, []));
    expect(out[out.length - 1]).toBe(srecLine(9, 0, []));
  });

  test('record sizes and headers the format cannot hold are refused', () => {
    expect(() => formatImage(new Uint8Array(4), 0, 'srec', { recordSize: 253 })).toThrow(/record size 253 is out of range: an S1 record holds 1 to 252 data bytes/);
    expect(() => formatImage(new Uint8Array(4), 0x1000000, 'srec', { recordSize: 251 })).toThrow(/an S3 record holds 1 to 250/);
    expect(() => formatImage(new Uint8Array(4), 0, 'srec', { header: 'é' })).toThrow(/printable ASCII/);
  });
});

describe('round trips (property)', () => {
  test('formatImage then parseImage gives back the bytes at their address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.nat(0xffff_ffff), fc.integer({ min: 1, max: 250 }), (data, rawBase, size) => {
        const base = Math.min(rawBase, 0x1_0000_0000 - data.length);
        const img = parseImage(formatImage(data, base, 'srec', { recordSize: size, header: 'round trip' }), 'auto');
        expect(img.format).toBe('srec');
        expect(segs(img)).toEqual([[base, [...data]]]);
      }),
      { numRuns: 200 },
    );
  });

  test('a sparse image survives formatSegments then parseImage, at every address width', () => {
    const sparse = fc
      .tuple(
        fc.constantFrom(1, 0x100, 0x10000, 0x1000000),
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 4096 }), data: fc.uint8Array({ minLength: 1, maxLength: 80 }) }), { minLength: 1, maxLength: 8 }),
      )
      .map(([scale, parts]) => {
        let at = 0;
        return parts.map((p) => {
          at += p.gap * scale;
          const s = { address: at, data: p.data };
          at += p.data.length;
          return s;
        });
      })
      .filter((ss) => ss[ss.length - 1]!.address + ss[ss.length - 1]!.data.length <= 0x1_0000_0000);
    fc.assert(
      fc.property(sparse, (segments) => {
        expect(segs(parseImage(formatSegments(segments, 'srec'), 'srec'))).toEqual(segments.map((s) => [s.address, [...s.data]]));
      }),
      { numRuns: 100 },
    );
  });
});
