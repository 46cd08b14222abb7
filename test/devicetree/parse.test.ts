/**
 * The DTS front end on its own: what the kernel reads from the boards, the preprocessor, the
 * DTB round trip and the printers. (dtc-corpus.test.ts proves byte equality with dtc.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  dtCompile,
  dtShow,
  findByLabel,
  findByPath,
  fromDtb,
  nodePath,
  parseDts,
  parseDtsFile,
  propCells,
  propString,
  propStrings,
  propU32,
  toDtb,
  toDtsText,
  toJson,
  walk,
  type DtNode,
  type DtTree,
} from '../../src/devicetree';

const ROOT = path.join(__dirname, '..', '..');
const CORPUS = path.join(__dirname, 'corpus');
const u32 = (n: DtNode, p: string): number | undefined => propU32(n, p);

describe('boards', () => {
  test('mock.dts: labels, phandles and the threads node the kernel reads', () => {
    const t = parseDtsFile(path.join(ROOT, 'dts', 'mock.dts'));
    const e0 = findByLabel(t, 'eeprom0')!;
    expect(nodePath(e0)).toBe('/spi@0/eeprom@0');
    expect(u32(e0, 'size')).toBe(32768);
    expect(u32(e0, 'phandle')).toBe(1);
    const drv = findByLabel(t, 'eeprom0_driver')!;
    expect(propCells(drv, 'hilbridge,grants')).toEqual([1]);
    expect(propString(drv, 'program')).toBe('eeprom-server');
    expect(nodePath(findByLabel(t, 'eeprom1')!)).toBe('/i2c@1/eeprom@50');
    expect(u32(findByLabel(t, 'eeprom2')!, 'address-width')).toBe(9);
    expect(u32(findByLabel(t, 'eeprom3')!, 'address-width')).toBe(24);
    expect(e0.loc).toEqual({ file: path.join(ROOT, 'dts', 'mock.dts'), line: expect.any(Number), col: 12 });
  });

  test.each(['mock.dts', 'rpi-at25.dts', 'rpi-at25-at24.dts', 'serprog-at25.dts'])('%s labels its first EEPROM eeprom0', (f) => {
    const t = parseDtsFile(path.join(ROOT, 'dts', f));
    expect(propStrings(findByLabel(t, 'eeprom0')!, 'compatible')).toEqual(['atmel,at25']);
    expect(findByLabel(t, 'eeprom0_driver')).toBeDefined();
  });
});

describe('values', () => {
  const tree = (body: string): DtTree => parseDts(`/dts-v1/;\n/ {\n${body}\n};\n`, 'inline.dts');
  const bytes = (body: string): string => Buffer.from(tree(`p = ${body};`).root.props.get('p')!.value).toString('hex');

  test.each([
    ['<1 2>', '0000000100000002'],
    ['<((1 << 3) | 2)>', '0000000a'],
    ['<(2 ? 3 : 4) (0 ? 3 : 4)>', '0000000300000004'],
    ["<'A' '\\n'>", '000000410000000a'],
    ['/bits/ 8 <1 (-1)>', '01ff'],
    ['/bits/ 16 <0x1234>', '1234'],
    ['/bits/ 64 <(-2)>', 'fffffffffffffffe'],
    ['[01 02 ab]', '0102ab'],
    ['"a", "bc"', '6100626300'],
    ['"x", <1>, [ff]', '780000000001ff'],
    ['<(7 / 2) (7 % 2) (~0 >> 60)>', '00000003000000010000000f'],
  ])('%s', (src, hex) => {
    expect(bytes(src)).toBe(hex);
  });

  test('phandles are allocated in reference order, after explicit ones', () => {
    const t = tree('a: a { phandle = <1>; };\n b: b { };\n c: c { };\n user { x = <&c &b &a &c>; };');
    expect(propCells(findByPath(t, '/user')!, 'x')).toEqual([2, 3, 1, 2]);
  });

  test('path references become strings', () => {
    const t = tree('l: n { };\n user { p = &l; q = &{/n}; };');
    expect(propStrings(findByPath(t, '/user')!, 'p')).toEqual(['/n']);
    expect(propStrings(findByPath(t, '/user')!, 'q')).toEqual(['/n']);
  });
});

describe('preprocessor', () => {
  test('defines from options, #if arithmetic and function-like macros', () => {
    const src = '/dts-v1/;\n#define TWICE(x) ((x) * 2)\n#if WIDTH >= 16 && !defined(NOPE)\n/ { w = <TWICE(WIDTH)>; };\n#else\n/ { w = <0>; };\n#endif\n';
    expect(propU32(parseDts(src, 'd.dts', { defines: { WIDTH: '16' } }).root, 'w')).toBe(32);
    expect(propU32(parseDts(src, 'd.dts', { defines: { WIDTH: '8' } }).root, 'w')).toBe(0);
  });

  test('macros are not expanded inside strings; comments vanish', () => {
    const src = '/dts-v1/;\n#define NAME other\n/ { /* NAME */ s = "NAME"; t = "NAME" // NAME\n; };\n';
    const t = parseDts(src, 's.dts');
    expect(propString(t.root, 's')).toBe('NAME');
    expect(propString(t.root, 't')).toBe('NAME');
  });

  test('#include <...> uses the include dirs; locations name the included file', () => {
    const t = parseDtsFile(path.join(CORPUS, 'cpp.dts'), { includeDirs: [path.join(CORPUS, 'include')] });
    const eeprom = findByPath(t, '/spi@7e204000/eeprom@0')!;
    expect(u32(eeprom, 'spi-max-frequency')).toBe(2000000);
    expect(u32(eeprom, 'size')).toBe(32768);
    expect(findByPath(t, '/spi@7e204000')!.loc!.file).toMatch(/common\.dtsi$/);
  });
});

describe('DTB and printing', () => {
  const corpus = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.dts'));
  test.each(corpus)('%s survives toDtb -> fromDtb -> toDtb unchanged', (f) => {
    const blob = toDtb(parseDtsFile(path.join(CORPUS, f), { includeDirs: [path.join(CORPUS, 'include')], symbols: true }));
    const back = fromDtb(blob);
    expect(Buffer.compare(Buffer.from(toDtb(back)), Buffer.from(blob))).toBe(0);
    expect(toDtsText(back)).toBe(toDtsText(fromDtb(toDtb(back))));
  });

  test('header fields: version 17, last compatible 16, memreserve and boot cpu', () => {
    const blob = toDtb(parseDtsFile(path.join(CORPUS, 'basic.dts')));
    const dv = new DataView(blob.buffer);
    expect(dv.getUint32(0)).toBe(0xd00dfeed);
    expect(dv.getUint32(20)).toBe(17);
    expect(dv.getUint32(24)).toBe(16);
    expect(dv.getUint32(28)).toBe(3);
    const t = fromDtb(blob);
    expect(t.memreserve).toEqual([
      [0x10000000n, 0x4000n],
      [0x20000000n, 0x10000n],
    ]);
  });

  test('fromDtb rejects malformed blobs with EINVAL', () => {
    const blob = toDtb(parseDtsFile(path.join(ROOT, 'dts', 'mock.dts')));
    expect(() => fromDtb(blob.slice(0, 20))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const bad = blob.slice();
    bad[0] = 0;
    expect(() => fromDtb(bad)).toThrow(/magic/);
    const truncated = blob.slice();
    new DataView(truncated.buffer).setUint32(4, blob.length + 10);
    expect(() => fromDtb(truncated)).toThrow(/totalsize/);
  });

  test('labels come back from __symbols__', () => {
    const t = fromDtb(toDtb(parseDtsFile(path.join(ROOT, 'dts', 'mock.dts'), { symbols: true })));
    expect(nodePath(findByLabel(t, 'eeprom1')!)).toBe('/i2c@1/eeprom@50');
  });

  test('dtCompile writes a DTB and dtShow prints DTS or JSON from either form', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hilbridge-dt-'));
    try {
      const out = path.join(dir, 'mock.dtb');
      const r = dtCompile(path.join(ROOT, 'dts', 'mock.dts'), out, { symbols: true });
      expect(r.bytes).toBe(fs.statSync(out).size);
      const fromSource = dtShow(path.join(ROOT, 'dts', 'mock.dts'));
      expect(fromSource).toContain('eeprom0: eeprom@0 {');
      expect(fromSource).toContain('compatible = "atmel,at25";');
      expect(fromSource).toContain('size = <0x8000>;');
      const shown = dtShow(out);
      expect(shown).toContain('eeprom0: eeprom@0 {');
      const json = JSON.parse(dtShow(out, { json: true })) as ReturnType<typeof toJson>;
      const spi = json.root.children.find((c) => c.name === 'spi@0')!;
      expect(spi.properties['max-transfer-bytes']).toEqual({ type: 'cells', value: [4096] });
      expect(spi.children[0]!.labels).toEqual(['eeprom0']);
      expect(() => dtShow(path.join(dir, 'missing.dts'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every node of a parsed board prints and reparses to the same tree', () => {
    const t = parseDtsFile(path.join(ROOT, 'dts', 'rpi-at25.dts'));
    const again = parseDts(toDtsText(t), 'printed.dts');
    expect(Buffer.compare(Buffer.from(toDtb(again)), Buffer.from(toDtb(t)))).toBe(0);
    expect([...walk(again.root)].length).toBe([...walk(t.root)].length);
  });
});
