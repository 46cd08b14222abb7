/**
 * The hexdump's folding of repeated lines: fixed expectations, a property that unfolding gives
 * back the full dump, and a comparison with `hexdump -C` itself where it is installed.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { hexdump } from '../../src/cli/hexdump';

const ff = (n: number): Uint8Array => new Uint8Array(n).fill(0xff);
const FF_LINE = `ff ff ff ff ff ff ff ff  ff ff ff ff ff ff ff ff  |................|`;
const ZERO_LINE = `00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|`;

test('32 KiB of an erased chip is three lines, not 2,048', () => {
  expect(hexdump(ff(32768))).toBe(`0000  ${FF_LINE}\n*\n8000\n`);
});

test('a run in the middle folds; the lines around it and the end offset are printed', () => {
  const data = new Uint8Array(80);
  data.fill(0xff, 16, 64);
  data[70] = 0x41;
  expect(hexdump(data, 0x100)).toBe(
    [
      `0100  ${ZERO_LINE}`,
      `0110  ${FF_LINE}`,
      '*',
      `0140  00 00 00 00 00 00 41 00  00 00 00 00 00 00 00 00  |......A.........|`,
      '0150',
      '',
    ].join('\n'),
  );
});

test('two runs, and a partial last line after a run', () => {
  const data = new Uint8Array(16 * 5 + 3);
  data.fill(1, 48, 80);
  expect(hexdump(data).split('\n')).toEqual([
    `0000  ${ZERO_LINE}`,
    '*',
    `0030  01 01 01 01 01 01 01 01  01 01 01 01 01 01 01 01  |................|`,
    '*',
    `0050  00 00 00 ${' '.repeat(13 * 3 + 1)} |...${' '.repeat(13)}|`,
    '0053',
    '',
  ]);
});

test('only whole lines fold: an unaligned start is printed, then the run folds', () => {
  const out = hexdump(ff(8 + 48), 0x28).split('\n');
  expect(out).toEqual([`0020  ${' '.repeat(8 * 3 + 1)}ff ff ff ff ff ff ff ff  |        ........|`, `0030  ${FF_LINE}`, '*', '0060', '']);
});

test('a line equal to an earlier but not the previous one is printed', () => {
  const data = new Uint8Array(48);
  data.fill(2, 16, 32);
  expect(hexdump(data).split('\n')).toHaveLength(4);
});

test('without repeats the dump is unchanged: no star, no end line', () => {
  const data = Uint8Array.from({ length: 40 }, (_, i) => i);
  expect(hexdump(data).trimEnd().split('\n')).toHaveLength(3);
  expect(hexdump(data)).not.toMatch(/^\*$|^[0-9a-f]+$/m);
});

test('fold: false prints every line', () => {
  const out = hexdump(ff(64), 0, { fold: false }).trimEnd().split('\n');
  expect(out).toEqual([0, 0x10, 0x20, 0x30].map((a) => `${a.toString(16).padStart(4, '0')}  ${FF_LINE}`));
});

/** Data made of a few distinct 16-byte lines, so that runs are common. */
const runny = fc
  .tuple(fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 40 }), fc.uint8Array({ maxLength: 15 }))
  .map(([kinds, picks, tail]) => {
    const out = new Uint8Array(picks.length * 16 + tail.length);
    picks.forEach((p, i) => out.set(kinds[p % kinds.length]!, i * 16));
    out.set(tail, picks.length * 16);
    return out;
  });

/** Expands each `*` into the lines it stands for, and drops the end line. */
function unfold(folded: string): string {
  const text = folded.trimEnd();
  const lines = text === '' ? [] : text.split('\n'); // an empty dump has no lines
  const out: string[] = [];
  const endLine = lines.includes('*') ? lines.pop()! : undefined;
  const end = endLine === undefined ? undefined : parseInt(endLine, 16);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '*') {
      out.push(lines[i]!);
      continue;
    }
    const prev = out[out.length - 1]!;
    const [addrText, rest] = [prev.slice(0, prev.indexOf(' ')), prev.slice(prev.indexOf(' '))];
    const next = i + 1 < lines.length ? parseInt(lines[i + 1]!.slice(0, lines[i + 1]!.indexOf(' ')), 16) : end!;
    for (let a = parseInt(addrText, 16) + 16; a < next; a += 16) out.push(`${a.toString(16).padStart(addrText.length, '0')}${rest}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

test('unfolding the folded dump gives the full dump (property)', () => {
  const prop = fc.property(runny, fc.nat(0x1_0000), (data, base) => {
    expect(unfold(hexdump(data, base))).toBe(hexdump(data, base, { fold: false }));
  });
  fc.assert(prop);
  // the counterexample CI found (seed 143996721): no data at all
  fc.assert(prop, { examples: [[new Uint8Array(0), 0]] });
});

const haveHexdump = spawnSync('hexdump', ['-C'], { input: '' }).status === 0;

/** Address width and the padding of a short ASCII column differ by design; compare the rest. */
function normalise(text: string): string[] {
  if (text.trim() === '') return [];
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      if (line === '*' || /^[0-9a-f]+$/.test(line)) return line === '*' ? '*' : `end ${parseInt(line, 16)}`;
      const m = /^([0-9a-f]+) {2}(.*?) *\|(.*)\|$/.exec(line);
      if (!m) return `?${line}`;
      const bytes = m[2]!.trim().split(/ +/);
      return `${parseInt(m[1]!, 16)}: ${bytes.join(' ')} |${m[3]!.slice(0, bytes.length)}|`;
    });
}

(haveHexdump ? test : test.skip)('folds exactly where hexdump -C folds (property)', () => {
  fc.assert(
    fc.property(runny, (data) => {
      const theirs = normalise(spawnSync('hexdump', ['-C'], { input: data }).stdout.toString('latin1'));
      const ours = normalise(hexdump(data));
      // hexdump -C always ends with the end offset; ours only after folding.
      if (!ours.includes('*') && theirs[theirs.length - 1]?.startsWith('end ')) theirs.pop();
      expect(ours).toEqual(theirs);
    }),
    { numRuns: 40, examples: [[new Uint8Array(0)], [new Uint8Array(32)], [new Uint8Array(33)]] },
  );
});
