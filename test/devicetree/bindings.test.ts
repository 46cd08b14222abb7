/**
 * Bindings: the YAML files load (includes merged), the shipped boards validate cleanly, and each
 * kind of violation is an error naming the node path, the property and the binding file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinBindings, defaultBindingsDir, EEPROM_PARTS, loadBindings, parseDts, parseDtsFile, validateTree, withPartBindings, type DtDiagnostic } from '../../src/devicetree';

const ROOT = path.join(__dirname, '..', '..');
const BINDINGS = path.join(ROOT, 'dts', 'bindings');

function board(body: string): string {
  return `/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <0>;\n\tspi0: spi@0 {\n\t\tcompatible = "hilbridge,mock-spi";\n\t\treg = <0>;\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n${body}\n\t};\n};\n`;
}

const at25 = (props: string): string => board(`\t\teeprom@0 {\n\t\t\tcompatible = "atmel,at25";\n\t\t\treg = <0>;\n${props}\n\t\t};`);
const ok = '\t\t\tspi-max-frequency = <1000000>;\n\t\t\tsize = <32768>;\n\t\t\tpagesize = <64>;\n\t\t\taddress-width = <16>;';
const errorsOf = (src: string): DtDiagnostic[] => validateTree(parseDts(src, 'v.dts')).errors;

describe('loading', () => {
  test('the shipped bindings cover the required compatibles, with includes merged', () => {
    const b = loadBindings(BINDINGS);
    for (const c of ['atmel,at25', 'atmel,at24', 'brcm,bcm2835-spi', 'brcm,bcm2835-i2c', 'hilbridge,serprog', 'hilbridge,mock-spi', 'hilbridge,mock-i2c', 'hilbridge,threads', 'hilbridge,user-thread', 'hilbridge,partition']) {
      expect(b.has(c)).toBe(true);
    }
    const at25 = b.get('atmel,at25')!;
    expect(at25.file).toBe(path.join(BINDINGS, 'atmel,at25.yaml'));
    expect(at25.properties.get('address-width')).toMatchObject({ type: 'int', required: true, enum: [8, 9, 16, 24] });
    expect(at25.properties.get('timeout')).toMatchObject({ type: 'int', default: 25 });
    expect(at25.properties.get('spi-max-frequency')).toMatchObject({ type: 'int', required: true });
    expect(at25.properties.get('reg')).toMatchObject({ type: 'array', required: true });
    expect(at25.properties.get('wp-gpios')?.type).toBe('phandle-array');
    expect(b.get('hilbridge,serprog')!.properties.get('baud-rate')).toMatchObject({ default: 115200 });
    expect(b.get('hilbridge,user-thread')!.properties.get('restart')).toMatchObject({ enum: ['never', 'backoff'] });
    expect(defaultBindingsDir()).toBe(BINDINGS);
    // The built-in set is the YAML plus one binding per compatible of the parts table.
    expect(builtinBindings().size).toBe(withPartBindings(b).size);
    expect(withPartBindings(b).size).toBe(b.size + new Set(EEPROM_PARTS.flatMap((p) => p.compatibles)).size);
  });

  test('a part\'s compatible is the family binding with the part\'s geometry as defaults', () => {
    const b = builtinBindings();
    const part = b.get('st,m95256')!;
    expect(part.file).toBe(path.join(BINDINGS, 'atmel,at25.yaml'));
    expect(part.description).toMatch(/^AT25256 \(also .*M95256\)/);
    expect(part.properties.get('size')).toMatchObject({ required: false, default: 32768 });
    expect(part.properties.get('pagesize')).toMatchObject({ required: false, default: 64 });
    expect(part.properties.get('address-width')).toMatchObject({ required: false, default: 16, enum: [8, 9, 16, 24] });
    expect(part.properties.get('spi-max-frequency')).toMatchObject({ required: true });
    expect(b.get('atmel,24c256')!.properties.get('size')).toMatchObject({ required: false, default: 32768 });
  });

  test('a board naming its part validates without geometry; a wrong explicit value is still an error', () => {
    const named = (compat: string, props: string): string =>
      board(`\t\teeprom@0 {\n\t\t\tcompatible = ${compat};\n\t\t\treg = <0>;\n\t\t\tspi-max-frequency = <1000000>;\n${props}\n\t\t};`);
    expect(errorsOf(named('"atmel,at25256", "atmel,at25"', ''))).toEqual([]);
    expect(errorsOf(named('"st,m95256", "atmel,at25"', ''))).toEqual([]);
    expect(errorsOf(named('"atmel,at25256B", "atmel,at25"', ''))).toEqual([]); // Linux's spelling
    expect(errorsOf(named('"atmel,at25"', ''))).toEqual(
      expect.arrayContaining([expect.objectContaining({ property: 'size' }), expect.objectContaining({ property: 'pagesize' }), expect.objectContaining({ property: 'address-width' })]),
    );
    expect(errorsOf(named('"atmel,at25256", "atmel,at25"', '\t\t\taddress-width = <12>;'))).toEqual([expect.objectContaining({ property: 'address-width' })]);
    expect(validateTree(parseDts(named('"atmel,at25256", "atmel,at25"', ''), 'v.dts')).warnings).toEqual([]);
  });

  test('broken binding files are EINVAL errors naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hilbridge-bind-'));
    try {
      fs.writeFileSync(path.join(dir, 'x.yaml'), 'compatible: "x,y"\nproperties:\n  a:\n    type: float\n');
      expect(() => loadBindings(dir)).toThrow(/x\.yaml: property "a" has unknown type "float"/);
      fs.writeFileSync(path.join(dir, 'x.yaml'), 'compatible: "x,y"\ninclude: missing.yaml\n');
      expect(() => loadBindings(dir)).toThrow(/included file "missing.yaml" not found/);
      fs.writeFileSync(path.join(dir, 'x.yaml'), 'compatible: "x,y"\ninclude: x.yaml\n');
      expect(() => loadBindings(dir)).toThrow(/include cycle/);
      fs.writeFileSync(path.join(dir, 'x.yaml'), 'compatible: [unclosed\n');
      expect(() => loadBindings(dir)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validation', () => {
  test.each(fs.readdirSync(path.join(ROOT, 'dts')).filter((f) => f.endsWith('.dts')))('%s validates with no errors or warnings', (f) => {
    const r = validateTree(parseDtsFile(path.join(ROOT, 'dts', f)));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  test('hilbridge,timing-model is a flag on both mock controllers', () => {
    for (const c of ['hilbridge,mock-spi', 'hilbridge,mock-i2c']) expect(builtinBindings().get(c)!.properties.get('hilbridge,timing-model')?.type).toBe('boolean');
    expect(errorsOf(board('\t\thilbridge,timing-model;'))).toEqual([]);
    expect(errorsOf(board('\t\thilbridge,timing-model = <1>;'))[0]!.message).toMatch(/"hilbridge,timing-model" is a flag \(type boolean\)/);
  });

  test('a correct AT25 passes', () => {
    expect(errorsOf(at25(ok))).toEqual([]);
  });

  test('missing required property names node, property and binding file', () => {
    const [e, ...rest] = errorsOf(at25(ok.replace(/\t\t\tsize = <32768>;\n/, '')));
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ path: '/spi@0/eeprom@0', property: 'size', compatible: 'atmel,at25', bindingFile: path.join(BINDINGS, 'atmel,at25.yaml') });
    expect(e!.message).toMatch(/\/spi@0\/eeprom@0: required property "size" is missing .*atmel,at25\.yaml/);
    expect(e!.loc).toMatchObject({ file: 'v.dts', line: 10 });
  });

  test('wrong types', () => {
    expect(errorsOf(at25(ok.replace('<32768>', '"large"')))[0]!.message).toMatch(/property "size" must be one 32-bit cell \(type int\)/);
    expect(errorsOf(at25(`${ok}\n\t\t\tread-only = <1>;`))[0]!.message).toMatch(/"read-only" is a flag \(type boolean\)/);
    expect(errorsOf(at25(`${ok}\n\t\t\twp-gpios = <7 1 0>;`))[0]!.message).toMatch(/"wp-gpios" refers to phandle 7, which no node has/);
  });

  test('values outside an enum', () => {
    const [e] = errorsOf(at25(ok.replace('address-width = <16>', 'address-width = <12>')));
    expect(e!.message).toMatch(/property "address-width" is 12, but must be one of 8, 9, 16, 24/);
    expect(e!.loc).toMatchObject({ line: 16, col: 4 });
    const thread = board('') + '/ { threads { compatible = "hilbridge,threads"; t { compatible = "hilbridge,user-thread"; program = "x"; restart = "always"; }; }; };\n';
    expect(errorsOf(thread)[0]!.message).toMatch(/\/threads\/t: property "restart" is "always", but must be one of "never", "backoff"/);
  });

  test('unknown compatibles are warnings; disabled nodes are not checked', () => {
    const r = validateTree(parseDts(board('\t\tthing@1 { compatible = "acme,widget"; reg = <1>; };\n\t\teeprom@2 { compatible = "atmel,at25"; status = "disabled"; };'), 'w.dts'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ path: '/spi@0/thing@1', compatible: 'acme,widget' });
    expect(r.warnings[0]!.message).toMatch(/no binding for compatible "acme,widget"/);
  });
});
