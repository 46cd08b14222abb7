/**
 * GNU objcopy (binutils) as an independent reference, when it is installed: what hilbridge writes,
 * objcopy reads back to the same bytes, and what objcopy writes (segment address records below
 * 1 MiB, linear ones above, start address records, S1/S2/S3) hilbridge reads back to the same
 * bytes at the same address. Skipped where there is no objcopy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatImage, parseImage } from '../../src/formats';

const haveObjcopy = spawnSync('objcopy', ['--version']).status === 0;
const maybe = haveObjcopy ? describe : describe.skip;

maybe('against objcopy', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-objcopy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bfd = { ihex: 'ihex', srec: 'srec' } as const;
  const cases = fc.tuple(
    fc.uint8Array({ minLength: 1, maxLength: 3000 }),
    fc.oneof(fc.nat(0xffff), fc.nat(0xfffff), fc.nat(0xffff_f000)),
    fc.constantFrom('ihex' as const, 'srec' as const),
    fc.constantFrom(16, 32),
  );

  test('objcopy reads what hilbridge writes', () => {
    fc.assert(
      fc.property(cases, ([data, base, format, recordSize]) => {
        writeFileSync(join(dir, 'in.txt'), formatImage(data, base, format, { recordSize }));
        execFileSync('objcopy', ['-I', bfd[format], '-O', 'binary', join(dir, 'in.txt'), join(dir, 'out.bin')]);
        expect(Buffer.compare(readFileSync(join(dir, 'out.bin')), Buffer.from(data))).toBe(0);
      }),
      { numRuns: 15 },
    );
  });

  test('hilbridge reads what objcopy writes', () => {
    fc.assert(
      fc.property(cases, ([data, base, format]) => {
        writeFileSync(join(dir, 'in.bin'), data);
        execFileSync('objcopy', ['-I', 'binary', '-O', bfd[format], '--change-addresses', `0x${base.toString(16)}`, join(dir, 'in.bin'), join(dir, 'out.txt')]);
        const img = parseImage(new Uint8Array(readFileSync(join(dir, 'out.txt'))), 'auto', { source: 'out.txt' });
        expect(img.format).toBe(format);
        expect(img.segments.map((s) => [s.address, Buffer.from(s.data).toString('hex')])).toEqual([[base, Buffer.from(data).toString('hex')]]);
      }),
      { numRuns: 15 },
    );
  });
});
