/**
 * `probe` against fixture directories shaped like /sys/firmware/devicetree/base, generated from
 * a Pi-like DTS: one directory per node, one file of raw bytes per property.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProbe, parseDts, probeLiveTree, readFsTree, toDtb, type DtNode } from '../../src/devicetree';

const PI = (spiStatus: string, i2cStatus: string): string => `/dts-v1/;
/ {
	model = "Raspberry Pi 4 Model B Rev 1.4";
	#address-cells = <1>;
	#size-cells = <1>;
	aliases {
		spi0 = "/soc/spi@7e204000";
		i2c1 = "/soc/i2c@7e804000";
		serial0 = "/soc/serial@7e201000";
	};
	soc {
		#address-cells = <1>;
		#size-cells = <1>;
		spi@7e204000 {
			compatible = "brcm,bcm2835-spi";
			reg = <0x7e204000 0x200>;
			status = "${spiStatus}";
			#address-cells = <1>;
			#size-cells = <0>;
			spidev@0 { compatible = "spidev"; reg = <0>; };
			spidev@1 { compatible = "spidev"; reg = <1>; };
		};
		i2c@7e804000 {
			compatible = "brcm,bcm2835-i2c";
			reg = <0x7e804000 0x1000>;
			status = "${i2cStatus}";
		};
		serial@7e201000 { compatible = "arm,pl011"; };
	};
};
`;

function writeFsTree(node: DtNode, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const p of node.props.values()) fs.writeFileSync(path.join(dir, p.name), p.value);
  if (node.parent) fs.writeFileSync(path.join(dir, 'name'), `${node.name.split('@')[0]}\0`);
  for (const c of node.children) writeFsTree(c, path.join(dir, c.name));
}

let tmp = '';
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilbridge-probe-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fixture(spi: string, i2c: string, devs: string[]): { base: string; dev: string } {
  const base = path.join(tmp, 'base');
  writeFsTree(parseDts(PI(spi, i2c), 'pi.dts').root, base);
  const dev = path.join(tmp, 'dev');
  fs.mkdirSync(dev);
  for (const d of devs) fs.writeFileSync(path.join(dev, d), '');
  return { base, dev };
}

test('the filesystem form reads back as the same tree', () => {
  const { base } = fixture('okay', 'okay', []);
  const t = readFsTree(base);
  expect(t.root.children.map((c) => c.name).sort()).toEqual(['aliases', 'soc']);
  const again = parseDts(PI('okay', 'okay'), 'pi.dts');
  expect(toDtb(t).length).toBeGreaterThan(toDtb(again).length - 200); // same content plus `name` files
});

test('enabled buses list their /dev nodes', () => {
  const { base, dev } = fixture('okay', 'okay', ['spidev0.0', 'spidev0.1', 'i2c-1']);
  const r = probeLiveTree(base, dev);
  expect(r.model).toBe('Raspberry Pi 4 Model B Rev 1.4');
  expect([...r.controllers].sort((a, b) => b.kind.localeCompare(a.kind))).toEqual([
    {
      kind: 'spi', path: '/soc/spi@7e204000', compatible: ['brcm,bcm2835-spi'], alias: 'spi0', bus: 0, status: 'okay', enabled: true,
      devNodes: [
        { path: path.join(dev, 'spidev0.0'), exists: true, chipSelect: 0 },
        { path: path.join(dev, 'spidev0.1'), exists: true, chipSelect: 1 },
      ],
    },
    { kind: 'i2c', path: '/soc/i2c@7e804000', compatible: ['brcm,bcm2835-i2c'], alias: 'i2c1', bus: 1, status: 'okay', enabled: true, devNodes: [{ path: path.join(dev, 'i2c-1'), exists: true }] },
  ]);
  expect(r.advice).toEqual([]);
  expect(formatProbe(r)).toContain(`${path.join(dev, 'spidev0.0')} (chip select 0): present`);
});

test('disabled SPI and I2C get dtparam advice', () => {
  const { base, dev } = fixture('disabled', 'disabled', []);
  const r = probeLiveTree(base, dev);
  expect(r.controllers.map((c) => c.enabled)).toEqual([false, false]);
  expect(r.advice.join('\n')).toMatch(/SPI is disabled .*dtparam=spi=on/);
  expect(r.advice.join('\n')).toMatch(/I2C is disabled .*dtparam=i2c_arm=on/);
});

test('missing /dev nodes on enabled buses get driver advice', () => {
  const { base, dev } = fixture('okay', 'okay', ['spidev0.0']);
  const r = probeLiveTree(base, dev);
  expect(r.controllers.find((c) => c.kind === 'spi')!.devNodes[1]).toMatchObject({ exists: false, chipSelect: 1 });
  expect(r.advice.join('\n')).toMatch(/spidev0\.1 is missing .*spidev/);
  expect(r.advice.join('\n')).toMatch(/i2c-1 is missing .*modprobe i2c-dev/);
});

test('no live tree is ENOENT with an explanation', () => {
  expect(() => probeLiveTree(path.join(tmp, 'nope'), tmp)).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringMatching(/no live devicetree/) }));
});
