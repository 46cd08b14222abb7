/**
 * Typed accessors: validated nodes become the configs drivers receive, with binding defaults
 * applied, and bad values are EINVAL errors naming the node and property.
 */
import * as path from 'node:path';
import {
  at24Config,
  at25Config,
  chipSelect,
  eepromFamily,
  findByLabel,
  findByPath,
  i2cDevBus,
  modelWriteCycleUs,
  parseDts,
  parseDtsFile,
  spidevBus,
  serprogSettings,
  controllerInfo,
  gpioSpec,
  userThreads,
  type DtNode,
} from '../../src/devicetree';

const ROOT = path.join(__dirname, '..', '..');
const mock = parseDtsFile(path.join(ROOT, 'dts', 'mock.dts'));
const node = (body: string): DtNode => findByPath(parseDts(`/dts-v1/;\n/ { p: part { ${body} }; };\n`, 'a.dts'), '/part')!;

describe('EEPROM configs', () => {
  test('mock AT25 parts of three densities', () => {
    expect(at25Config(findByLabel(mock, 'eeprom0')!)).toEqual({
      kind: 'at25', name: 'eeprom0', path: '/spi@0/eeprom@0', size: 32768, pageSize: 64, addressWidth: 16, timeoutMs: 10, readOnly: false, maxSpeedHz: 5000000, mode: 0,
    });
    expect(at25Config(findByLabel(mock, 'eeprom2')!)).toMatchObject({ size: 512, pageSize: 8, addressWidth: 9, timeoutMs: 25 });
    expect(at25Config(findByLabel(mock, 'eeprom3')!)).toMatchObject({ size: 131072, pageSize: 256, addressWidth: 24 });
    expect(modelWriteCycleUs(findByLabel(mock, 'eeprom2')!)).toBe(5000);
  });

  test('AT25 mode, read-only and errors', () => {
    const base = 'compatible = "atmel,at25"; reg = <0>; spi-max-frequency = <1000>; size = <1024>; pagesize = <32>;';
    expect(at25Config(node(`${base} address-width = <16>; spi-cpol; spi-cpha; read-only; timeout = <7>;`))).toMatchObject({ mode: 3, readOnly: true, timeoutMs: 7, name: 'p' });
    expect(() => at25Config(node(`${base} address-width = <12>;`))).toThrow(/\/part: property "address-width" is 12/);
    expect(() => at25Config(node(`${base} address-width = <8>;`))).toThrow(/addresses 256 bytes, fewer than size \(1024\)/);
    expect(() => at25Config(node(base))).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/"address-width" is required/) }));
    expect(() => at25Config(node(`${base.replace('<32>', '<48>')} address-width = <16>;`))).toThrow(/power of two/);
    expect(() => at25Config(node('compatible = "atmel,at24";'))).toThrow(/does not name an AT25 part or "atmel,at25"/);
    expect(() => at25Config(node(base))).toThrow(/or name the part in compatible, e.g. "atmel,at25256"; see `hilbridge parts`/);
  });

  test('a node that names its part gets the geometry from the parts table; explicit properties win', () => {
    const spi = 'reg = <0>; spi-max-frequency = <1000>;';
    expect(at25Config(node(`compatible = "atmel,at25640", "atmel,at25"; ${spi}`))).toMatchObject({ part: 'AT25640', size: 8192, pageSize: 32, addressWidth: 16 });
    expect(at25Config(node(`compatible = "st,m95040", "atmel,at25"; ${spi}`))).toMatchObject({ part: '25LC040A', size: 512, pageSize: 16, addressWidth: 9 });
    expect(at25Config(node(`compatible = "microchip,25lc256"; ${spi} pagesize = <32>;`))).toMatchObject({ part: 'AT25256', size: 32768, pageSize: 32 });
    expect(at25Config(node(`compatible = "atmel,at25"; ${spi} size = <1024>; pagesize = <32>; address-width = <16>;`))).not.toHaveProperty('part');
    // Linux's at24 compatibles name the part too, with or without a maker's compatible before them.
    expect(at24Config(node('compatible = "atmel,24c02"; reg = <0x50>;'))).toMatchObject({ part: 'AT24C02', size: 256, pageSize: 8, addressWidth: 8 });
    expect(at24Config(node('compatible = "microchip,24lc1026", "atmel,24c1024"; reg = <0x50>;'))).toMatchObject({ part: '24LC1026', pageSize: 128 });
    expect(eepromFamily(node('compatible = "atmel,24c256";'))).toBe('at24');
    expect(eepromFamily(node('compatible = "atmel,at25xx";'))).toBeUndefined();
    expect(() => at24Config(node(`compatible = "atmel,at25256"; ${spi}`))).toThrow(/does not name an AT24 part or "atmel,at24"/);
  });

  test('AT24 defaults: address width from size, 25 ms timeout', () => {
    expect(at24Config(findByLabel(mock, 'eeprom1')!)).toEqual({
      kind: 'at24', name: 'eeprom1', path: '/i2c@1/eeprom@50', size: 32768, pageSize: 64, addressWidth: 16, address: 0x50, timeoutMs: 25, readOnly: false,
    });
    expect(at24Config(node('compatible = "atmel,at24"; reg = <0x51>; size = <2048>; pagesize = <16>;'))).toMatchObject({ addressWidth: 8, address: 0x51, timeoutMs: 25 });
    expect(at24Config(node('compatible = "atmel,at24"; reg = <0x50>; size = <4096>; pagesize = <32>;'))).toMatchObject({ addressWidth: 16 });
    expect(() => at24Config(node('compatible = "atmel,at24"; reg = <0x90>; size = <256>; pagesize = <8>;'))).toThrow(/not a 7-bit I2C address/);
  });
});

describe('controllers, control lines and threads', () => {
  test('controller settings each backend reads', () => {
    expect(controllerInfo(findByLabel(mock, 'spi0')!)).toEqual({ path: '/spi@0', name: 'spi0', maxTransferBytes: 4096 });
    const rpi = parseDtsFile(path.join(ROOT, 'dts', 'rpi-at25.dts'));
    expect(spidevBus(findByLabel(rpi, 'spi0')!)).toBe(0);
    expect(chipSelect(findByLabel(rpi, 'eeprom0')!)).toBe(0);
    expect(i2cDevBus(findByLabel(rpi, 'i2c1')!)).toEqual({ bus: 1, devPath: '/dev/i2c-1', clockHz: 100000 });
    const sp = parseDtsFile(path.join(ROOT, 'dts', 'serprog-at25.dts'));
    expect(serprogSettings(findByLabel(sp, 'spi0')!)).toEqual({ port: '/dev/ttyACM0', baudRate: 115200 });
    expect(serprogSettings(node('compatible = "hilbridge,serprog"; port = "/dev/ttyUSB0";'))).toEqual({ baudRate: 115200, port: '/dev/ttyUSB0' });
    expect(() => serprogSettings(node('compatible = "hilbridge,serprog";'))).toThrow(/"port" is required/);
    expect(controllerInfo(findByLabel(mock, 'i2c0')!)).toMatchObject({ maxTransferBytes: 4096 });
  });

  test('a *-gpios specifier decodes to its controller node, line and active-low flag', () => {
    const t = parseDts(`/dts-v1/;
/ {
	gpio0: gpio@9 { compatible = "hilbridge,mock-gpio"; gpio-controller; #gpio-cells = <2>; };
	plain: other@1 { compatible = "acme,thing"; };
	a: dev@1 { wp-gpios = <&gpio0 3 1>; };
	b: dev@2 { wp-gpios = <&gpio0 7 0>; };
	c: dev@3 { wp-gpios = <&plain 1 0>; };
};`, 'gpios.dts');
    const a = gpioSpec(t, findByLabel(t, 'a')!, 'wp-gpios')!;
    expect([a.controller.labels[0], a.line, a.activeLow]).toEqual(['gpio0', 3, true]);
    expect(gpioSpec(t, findByLabel(t, 'b')!, 'wp-gpios')).toMatchObject({ line: 7, activeLow: false });
    expect(gpioSpec(t, findByLabel(t, 'b')!, 'hold-gpios')).toBeUndefined();
    expect(() => gpioSpec(t, findByLabel(t, 'c')!, 'wp-gpios')).toThrow(/not a gpio-controller/);
  });

  test('user threads: one eeprom-server per EEPROM, as spawn requests by name', () => {
    const threads = userThreads(mock);
    expect(threads.map((t) => [t.name, t.program, t.grants, t.serves, t.start, t.restart === 'never' ? 'never' : 'backoff'])).toEqual([
      ['eeprom0_driver', 'eeprom-server', ['eeprom0'], ['eeprom0'], 'on-demand', 'backoff'],
      ['eeprom1_driver', 'eeprom-server', ['eeprom1'], ['eeprom1'], 'on-demand', 'backoff'],
      ['eeprom2_driver', 'eeprom-server', ['eeprom2'], ['eeprom2'], 'on-demand', 'backoff'],
      ['eeprom3_driver', 'eeprom-server', ['eeprom3'], ['eeprom3'], 'on-demand', 'backoff'],
    ]);
    expect(threads[0]!.restart).toMatchObject({ maxRestarts: 5, backoffMs: 100 });
    const both = userThreads(parseDtsFile(path.join(ROOT, 'dts', 'rpi-at25-at24.dts')));
    expect(both.map((t) => t.serves?.[0])).toEqual(['eeprom0', 'eeprom1']);
  });
});
