/**
 * The sparse image: merging records into segments (checked against a byte-by-byte model), and the
 * helpers the commands use: bounds, fitting a device, shifting, flattening, comparing.
 */
import fc from 'fast-check';
import { HilError } from '../../src/abi/errno';
import {
  checkImageFits,
  compareImage,
  flattenImage,
  imageBounds,
  imageFits,
  imageRanges,
  parseImage,
  shiftImage,
  type SparseImage,
} from '../../src/formats';
import { mergePieces, type Piece } from '../../src/formats/image';

const image = (...segments: [number, number[]][]): SparseImage => ({ format: 'ihex', segments: segments.map(([address, data]) => ({ address, data: Uint8Array.from(data) })) });

describe('mergePieces', () => {
  /** Pieces cut from one consistent memory at random places: in any order, overlapping, repeated, empty. */
  const consistent = fc
    .array(fc.record({ address: fc.integer({ min: 0, max: 300 }), length: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 30 })
    .chain((cuts) => fc.tuple(fc.constant(cuts), fc.uint8Array({ minLength: 340, maxLength: 340 })));

  test('equals the model: every covered address once, maximal runs, sorted (property)', () => {
    fc.assert(
      fc.property(consistent, ([cuts, memory]) => {
        const pieces: Piece[] = cuts.map((c, i) => ({ address: c.address, data: memory.subarray(c.address, c.address + c.length), line: i + 1 }));
        const covered = new Set<number>();
        for (const c of cuts) for (let a = c.address; a < c.address + c.length; a++) covered.add(a);
        const runs: [number, number[]][] = [];
        for (const a of [...covered].sort((x, y) => x - y)) {
          const last = runs[runs.length - 1];
          if (last && last[0] + last[1].length === a) last[1].push(memory[a]!);
          else runs.push([a, [memory[a]!]]);
        }
        const merged = mergePieces(pieces, 'f');
        expect(merged.map((s) => [s.address, [...s.data]])).toEqual(runs);
      }),
      { numRuns: 300 },
    );
  });

  test('refuses any disagreement between overlapping pieces, naming both lines (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 255 }), (address, length, at, flip) => {
        const i = at % length;
        const a = new Uint8Array(length).fill(7);
        const b = a.slice();
        b[i] = 7 ^ flip;
        const e = (() => {
          try {
            mergePieces([{ address, data: a, line: 4 }, { address: 200, data: new Uint8Array(1), line: 1 }, { address, data: b, line: 9 }], 'f.hex');
          } catch (err) {
            return err as HilError;
          }
          throw new Error('merged');
        })();
        expect(e.message).toContain(`lines 4 and 9 give different bytes for address 0x${(address + i).toString(16)}`);
      }),
    );
  });
});

describe('helpers for the commands', () => {
  const img = image([0x10, [1, 2, 3]], [0x40, [4, 5]]);

  test('bounds and ranges', () => {
    expect(imageBounds(img)).toEqual({ start: 0x10, end: 0x42, bytes: 5 });
    expect(imageRanges(img)).toEqual([
      { address: 0x10, length: 3 },
      { address: 0x40, length: 2 },
    ]);
    expect(imageBounds(image())).toEqual({ start: 0, end: 0, bytes: 0 });
  });

  test('fits: the first address past the end is named', () => {
    expect(imageFits(img, 0x42)).toEqual({ fits: true });
    expect(imageFits(img, 0x41)).toEqual({ fits: false, firstOutside: 0x41, end: 0x42 });
    expect(imageFits(img, 0x20)).toEqual({ fits: false, firstOutside: 0x40, end: 0x42 });
    expect(imageFits(img, 0x50, 0x10)).toEqual({ fits: false, firstOutside: 0x50, end: 0x52 });
    expect(() => checkImageFits(img, 0x42, { device: 'eeprom0', source: 'chip.hex' })).not.toThrow();
    let e: unknown;
    try {
      checkImageFits(img, 0x20, { device: 'eeprom0', source: 'chip.hex' });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(HilError);
    expect((e as HilError).code).toBe('ENOSPC');
    expect((e as HilError).message).toBe(
      'chip.hex does not fit eeprom0 (32 bytes, offsets 0..0x1f): it holds data up to 0x41, the first byte past the end is at 0x40; check that the file is meant for this chip',
    );
    expect(() => checkImageFits(image([0, [1, 2]]), 0x100, { device: 'e', source: 'x.bin', offset: 0xff })).toThrow(
      'x.bin placed at offset 0xff does not fit e (256 bytes, offsets 0..0xff): it holds data up to 0x100, the first byte past the end is at 0x100; check that the file is meant for this chip and the offset is right',
    );
  });

  test('a raw binary file is one segment at 0 that the caller shifts', () => {
    const bin = parseImage(Uint8Array.of(9, 8, 7), 'bin');
    expect(bin.segments.map((s) => [s.address, [...s.data]])).toEqual([[0, [9, 8, 7]]]);
    expect(shiftImage(bin, 0x100).segments.map((s) => [s.address, [...s.data]])).toEqual([[0x100, [9, 8, 7]]]);
    expect(shiftImage(bin, 0)).toBe(bin);
    expect(() => shiftImage(bin, -1)).toThrow(/not a non-negative integer/);
  });

  test('flatten over a fill byte or over a background, with the ranges the image defines', () => {
    const flat = flattenImage(img);
    expect(flat.address).toBe(0x10);
    expect([...flat.data]).toEqual([1, 2, 3, ...new Array<number>(0x2d).fill(0xff), 4, 5]);
    expect(flat.ranges).toEqual(imageRanges(img));
    const onto = flattenImage(img, { address: 0x0e, onto: new Uint8Array(0x36).fill(0xaa) });
    expect([...onto.data.subarray(0, 6)]).toEqual([0xaa, 0xaa, 1, 2, 3, 0xaa]);
    expect([...onto.data.subarray(0x32)]).toEqual([4, 5, 0xaa, 0xaa]);
    expect([...flattenImage(img, { address: 0, length: 0x42, fill: 0 }).data.subarray(0x0f, 0x14)]).toEqual([0, 1, 2, 3, 0]);
    expect(() => flattenImage(img, { address: 0x11 })).toThrow(/does not lie inside 0x11\.\./);
    expect(() => flattenImage(img, { address: 0x10, length: 4, onto: new Uint8Array(5) })).toThrow(/background holds 5 bytes but the window is 4/);
  });

  test('compare counts and lists differences only where the image has data (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0x60, maxLength: 0x60 }), fc.array(fc.nat(0x5f)), (chip, flips) => {
        const expected = image([0x10, [...chip.subarray(0x10, 0x20)]], [0x40, [...chip.subarray(0x40, 0x48)]]);
        const actual = chip.slice();
        const flipped = new Set(flips);
        for (const a of flipped) actual[a] = actual[a]! ^ 0xff;
        const inImage = [...flipped].filter((a) => (a >= 0x10 && a < 0x20) || (a >= 0x40 && a < 0x48)).sort((x, y) => x - y);
        const r = compareImage(expected, actual, 0, 4);
        expect(r.compared).toBe(24);
        expect(r.differences).toBe(inImage.length);
        expect(r.first.map((d) => d.address)).toEqual(inImage.slice(0, 4));
        for (const d of r.first) expect([d.expected, d.actual]).toEqual([chip[d.address], actual[d.address]]);
        // The same comparison against only the window the image spans.
        expect(compareImage(expected, actual.subarray(0x10, 0x48), 0x10, 4)).toEqual(r);
      }),
    );
  });

  test('compare refuses a read-back that does not cover the image', () => {
    expect(() => compareImage(img, new Uint8Array(0x40), 0)).toThrow(/not all inside the 64 bytes read at 0x0/);
  });
});
