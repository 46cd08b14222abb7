/**
 * Every kind of DTS error is a DtsError (HilError EINVAL) whose message names file:line:col,
 * quotes the source line and puts a caret under the column; and no input, however broken,
 * makes the front end throw anything else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { HilError } from '../../src/abi/errno';
import { DtsError, parseDts, parseDtsFile } from '../../src/devicetree';

const ERRORS = path.join(__dirname, 'corpus', 'errors');

function errorOf(f: () => unknown): DtsError {
  try {
    f();
  } catch (e) {
    if (e instanceof DtsError) return e;
    throw new Error(`expected a DtsError, got ${String(e)}`);
  }
  throw new Error('expected a DtsError, but parsing succeeded');
}

/** Checks the message shape: header, quoted line, caret under `col`. */
function expectPointsAt(e: DtsError, file: string, line: number, col: number, what: RegExp): void {
  expect(e.code).toBe('EINVAL');
  expect(e).toBeInstanceOf(HilError);
  const [head, quoted, caret] = e.message.split('\n');
  expect(head).toBe(`${file}:${line}:${col}: error: ${e.detail}`);
  expect(e.detail).toMatch(what);
  expect(quoted).toBe(`  ${e.sourceLine!.replace(/\t/g, ' ')}`);
  expect(caret).toBe(`  ${' '.repeat(col - 1)}^`);
}

const parse = (src: string): DtsError => errorOf(() => parseDts(src, 'bad.dts'));

describe('syntax errors', () => {
  test.each([
    ['missing semicolon after a property', '/dts-v1/;\n/ {\n\ta = <1>\n\tb;\n};\n', 4, 2, /expected ';' after property "a"/],
    ['unterminated cell array', '/dts-v1/;\n/ { a = <1 2 ; };\n', 2, 14, /expected an integer/],
    ['missing /dts-v1/', '/ { };\n', 1, 1, /expected '\/dts-v1\/;'/],
    ['property after a subnode', '/dts-v1/;\n/ {\n\tn { };\n\tp = <1>;\n};\n', 4, 2, /properties must come before subnodes/],
    ['bad byte string', '/dts-v1/;\n/ { b = [0 1]; };\n', 2, 10, /two hex digits/],
    ['value out of range', '/dts-v1/;\n/ { v = /bits/ 8 <256>; };\n', 2, 19, /out of range for a 8-bit cell/],
    ['division by zero', '/dts-v1/;\n/ { v = <(1 / 0)>; };\n', 2, 13, /division by zero/],
    ['bad /bits/ size', '/dts-v1/;\n/ { v = /bits/ 12 <1>; };\n', 2, 16, /8, 16, 32 or 64/],
    ['reference in 8-bit array', '/dts-v1/;\n/ { l: n { }; v = /bits/ 8 <&l>; };\n', 2, 29, /needs 32-bit cells/],
    ['unclosed node', '/dts-v1/;\n/ {\n\tn {\n', 3, 2, /node "n" is never closed/],
    ['garbage at top level', '/dts-v1/;\n/ { };\nfoo;\n', 3, 1, /expected a root node/],
    ['unterminated string', '/dts-v1/;\n/ { s = "abc; };\n', 2, 9, /unterminated string/],
  ])('%s', (_name, src, line, col, what) => {
    expectPointsAt(parse(src), 'bad.dts', line, col, what);
  });
});

describe('reference errors', () => {
  test('unresolved <&label>', () => {
    expectPointsAt(parse('/dts-v1/;\n/ {\n\tx = <&nowhere>;\n};\n'), 'bad.dts', 3, 7, /"nowhere" that does not exist/);
  });
  test('unresolved &{/path} in a value', () => {
    expectPointsAt(parse('/dts-v1/;\n/ {\n\tx = &{/no/such};\n};\n'), 'bad.dts', 3, 6, /"\/no\/such" that does not exist/);
  });
  test('extending an unknown label', () => {
    expectPointsAt(parse('/dts-v1/;\n/ { };\n&ghost {\n};\n'), 'bad.dts', 3, 1, /cannot extend &ghost: no node has the label "ghost"/);
  });
  test('deleting an unknown path', () => {
    expectPointsAt(parse('/dts-v1/;\n/ { };\n/delete-node/ &{/gone};\n'), 'bad.dts', 3, 15, /cannot delete &\{\/gone\}/);
  });
  test('duplicate label on two nodes', () => {
    expectPointsAt(parse('/dts-v1/;\n/ {\n\tdup: a { };\n\tdup: b { };\n};\n'), 'bad.dts', 4, 2, /duplicate label "dup" on \/b: already on \/a \(bad\.dts:3\)/);
  });
  test('duplicate node name in one block', () => {
    expectPointsAt(parse('/dts-v1/;\n/ {\n\ta { };\n\ta { };\n};\n'), 'bad.dts', 4, 2, /duplicate node name "a"/);
  });
});

describe('preprocessor errors', () => {
  test('missing include file', () => {
    expectPointsAt(parse('/dts-v1/;\n#include <nothere.h>\n/ { };\n'), 'bad.dts', 2, 1, /cannot find include file "nothere.h"/);
  });
  test('include cycle names the chain', () => {
    const e = errorOf(() => parseDtsFile(path.join(ERRORS, 'cycle.dts')));
    expectPointsAt(e, path.join(ERRORS, 'cycle-b.dtsi'), 2, 1, /include cycle: cycle\.dts -> cycle-a\.dtsi -> cycle-b\.dtsi -> cycle-a\.dtsi/);
  });
  test('#error and unterminated #if', () => {
    expectPointsAt(parse('/dts-v1/;\n#error stop here\n'), 'bad.dts', 2, 1, /#error stop here/);
    expectPointsAt(parse('/dts-v1/;\n#ifdef X\n/ { };\n'), 'bad.dts', 2, 1, /unterminated conditional/);
  });
  test('an error inside a macro expansion points at the macro use', () => {
    expectPointsAt(parse('/dts-v1/;\n#define BAD (1 / 0)\n/ { v = <BAD>; };\n'), 'bad.dts', 3, 10, /division by zero/);
  });
  test('errors in included files name that file', () => {
    const e = errorOf(() => parseDts('/dts-v1/;\n/include/ "cycle-b.dtsi"\n', path.join(ERRORS, 'top.dts')));
    expect(e.loc.file).toMatch(/cycle-[ab]\.dtsi$/);
  });
});

describe('robustness', () => {
  const mock = fs.readFileSync(path.join(__dirname, '..', '..', 'dts', 'mock.dts'), 'latin1');
  test('mutilated board files only ever raise HilErrors', () => {
    fc.assert(
      fc.property(fc.nat(mock.length), fc.nat(mock.length), fc.string({ maxLength: 8 }), (a, b, insert) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const text = mock.slice(0, lo) + insert + mock.slice(hi);
        try {
          parseDts(text, 'fuzz.dts');
        } catch (e) {
          if (!(e instanceof HilError)) throw e;
          expect(e.code).toBe('EINVAL');
        }
      }),
      { numRuns: 400 },
    );
  });
});
