/**
 * Parts and boards by name, through the built binary: `parts`, `board new` for every bus, shipped
 * boards by name, a board that names its part by compatible, and boards that are partly unusable:
 * a misspelled or Linux-style compatible, a node that breaks its binding, a disabled node, a
 * controller that cannot be opened next to one that can, and a DTB without labels. `info` works on
 * every board that parses, the boot warnings are printed once, and a command on an unusable device
 * says exactly why.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, runJson, tempDir } from './run-cli';

// Each test runs the binary several times; on a loaded two-core machine that takes a while.
jest.setTimeout(120_000);

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

describe('parts', () => {
  test('lists every part with size, page, address bits, write cycle, compatible and equivalents', async () => {
    const r = await runCli(['parts']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^PART +BUS +SIZE +PAGE +ADDRESS BITS +tWC +COMPATIBLE +ALSO$/);
    expect(r.stdout).toMatch(/^AT25256 +SPI +32768 bytes \(32 KiB\) +64 +16 +5 ms +atmel,at25256 +AT25256B 25LC256 25AA256 M95256$/m);
    expect(r.stdout).toMatch(/^AT25040 +SPI +512 bytes +8 +8 \+ A8 in opcode +5 ms +atmel,at25040 /m);
    expect(r.stdout).toMatch(/^AT24C16 +I2C +2048 bytes \(2 KiB\) +16 +8 \+ 3 in device address +5 ms +atmel,at24c16 /m);
    const j = await runJson(['parts', 'm95256']);
    expect(j.json).toEqual({
      parts: [
        expect.objectContaining({ name: 'AT25256', bus: 'spi', size: 32768, pageSize: 64, addressWidth: 16, writeCycleMs: 5, compatible: 'atmel,at25256', also: expect.arrayContaining(['M95256']) }),
      ],
    });
    const i2c = await runJson(['parts', '--bus', 'i2c']);
    expect((i2c.json.parts as { bus: string }[]).every((p) => p.bus === 'i2c')).toBe(true);
    const none = await runCli(['parts', 'XYZ99']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no part matches "XYZ99"/);
  });
});

describe('board new', () => {
  test.each([
    [['--part', 'AT25640', '--spi', '0.1'], /hilbridge,spidev-bus = <0>;[\s\S]*eeprom0: eeprom@1 \{\n\t+compatible = "atmel,at25640", "atmel,at25";\n\t+reg = <1>;/, /\/dev\/spidev0\.1/],
    [['--part', 'AT24C02', '--i2c', '1@0x51'], /hilbridge,i2c-bus = <1>;[\s\S]*eeprom0: eeprom@51 \{\n\t+compatible = "atmel,at24c02", "atmel,at24";\n\t+reg = <0x51>;/, /\/dev\/i2c-1 at 0x51/],
    [['--part', 'm95256', '--serprog', '/dev/ttyACM3'], /port = "\/dev\/ttyACM3";[\s\S]*compatible = "atmel,at25256", "atmel,at25";/, /serprog programmer on \/dev\/ttyACM3/],
  ])('%j writes a board that info reads, with the part from the table', async (args, dts, where) => {
    const out = join(t.dir, `new-${args[1]}.dts`);
    const r = await runCli(['board', 'new', ...args, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(where);
    expect(r.stdout).toMatch(new RegExp(`next: hilbridge --board ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} info`));
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(dts);
    expect(text).not.toMatch(/^\s*(size|pagesize|address-width) = /m); // the part gives them
    // No hardware here: info still works and says the bus cannot be opened.
    const info = await runJson(['--board', out, 'info']);
    expect(info.code).toBe(0);
    expect(info.json).toMatchObject({ devices: [], unavailable: [{ device: 'eeprom0' }] });
  });

  test('--mock gives a board to try the part on, which reads and writes', async () => {
    const out = join(t.dir, 'mock-25lc040a.dts');
    expect((await runCli(['board', 'new', '--part', '25LC040A', '--mock', '-o', out, '--label', 'rom'])).code).toBe(0);
    const img = t.file('rom.bin');
    const w = await runCli(['--board', out, '--image', `rom=${img}`, 'write', 'rom', '0x1ec', '--hex', '0102030405060708090a']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/at 0x1ec\.\.0x1f5: 2 pages written/); // 16-byte pages, not AT25040's 8: 0x1e0 and 0x1f0
    expect(statSync(img).size).toBe(512);
    const info = await runJson(['--board', out, 'info']);
    expect(info.json.devices).toEqual([expect.objectContaining({ name: 'rom', part: 'at25', partName: '25LC040A', size: 512, pageSize: 16 })]);
  });

  test('--out - prints the board; an existing file needs --force; bad arguments say what to give', async () => {
    const r = await runCli(['board', 'new', '--part', 'AT25256', '--spi', '0.0', '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/dts-v1\/;/);
    expect(r.stderr).toMatch(/^wrote standard output: AT25256/);
    const file = t.file('exists.dts', 'keep me');
    const again = await runCli(['board', 'new', '--part', 'AT25256', '--spi', '0.0', '-o', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; choose another --out, or add --force/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect((await runCli(['board', 'new', '--part', 'AT25256', '--spi', '0.0', '-o', file, '--force'])).code).toBe(0);
    for (const [args, message] of [
      [['--spi', '0.0'], /needs --part NAME/],
      [['--part', 'AT99', '--spi', '0.0'], /unknown EEPROM part "AT99"/],
      [['--part', 'AT25256'], /needs exactly one bus: --spi B\.C .* none was given/],
      [['--part', 'AT25256', '--spi', '0.0', '--mock'], /2 were given/],
      [['--part', 'AT24C02', '--spi', '0.0'], /AT24C02 is an I2C EEPROM; put it on --i2c/],
      [['--part', 'AT25256', '--i2c', '1'], /AT25256 is an SPI EEPROM; put it on --spi/],
      [['--part', 'AT25256', '--spi', 'zero'], /--spi "zero" must be BUS\.CHIPSELECT/],
      [['--part', 'AT24C02', '--i2c', '1@0x80'], /not a 7-bit I2C address/],
    ] as const) {
      const bad = await runCli(['board', 'new', ...args, '-o', join(t.dir, 'never.dts')]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});

describe('shipped boards by name', () => {
  test('board list names them; --board NAME (and HILBRIDGE_BOARD=NAME) uses them; an unknown name lists them', async () => {
    const list = await runCli(['board', 'list']);
    expect(list.stdout).toMatch(/^rpi-at25 +Raspberry Pi with AT25256 on SPI0 CE0$/m);
    const info = await runJson(['--board', 'rpi-at25', 'info']);
    expect(info.json).toMatchObject({ board: join(ROOT, 'dts', 'rpi-at25.dts'), model: 'Raspberry Pi with AT25256 on SPI0 CE0' });
    const env = await runJson(['info'], { env: { HILBRIDGE_BOARD: 'serprog-at25' } });
    expect(env.json).toMatchObject({ model: 'serprog programmer with AT25256' });
    const bad = await runCli(['--board', 'rpi-at52', 'info']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/board file rpi-at52 \(from --board\) does not exist, and no board of that name ships with hilbridge \(shipped: mock, rpi-at25-at24, rpi-at25-wp, rpi-at25, serprog-at25\)/);
  });
});

/** A board with a mock SPI bus holding `spiChild` and a mock I2C bus with a working AT24C02. */
function board(spiChild: string, extra = ''): string {
  return `/dts-v1/;
/ {
	model = "partly broken";
	#address-cells = <1>;
	#size-cells = <0>;
	spi0: spi@0 {
		compatible = "hilbridge,mock-spi";
		reg = <0>;
		#address-cells = <1>;
		#size-cells = <0>;
${spiChild}
	};
	i2c0: i2c@1 {
		compatible = "hilbridge,mock-i2c";
		reg = <1>;
		#address-cells = <1>;
		#size-cells = <0>;
		eeprom1: eeprom@50 { compatible = "atmel,24c02"; reg = <0x50>; };
	};
${extra}
	threads {
		compatible = "hilbridge,threads";
		d0: d0 { compatible = "hilbridge,user-thread"; program = "eeprom-server"; hilbridge,grants = <&eeprom0>; hilbridge,serves = <&eeprom0>; };
		d1: d1 { compatible = "hilbridge,user-thread"; program = "eeprom-server"; hilbridge,grants = <&eeprom1>; hilbridge,serves = <&eeprom1>; };
	};
};
`;
}

const eeprom0 = (props: string): string => `\t\teeprom0: eeprom@0 { reg = <0>; spi-max-frequency = <1000000>; ${props} };`;

describe('a board that names its part', () => {
  test('compatible = "st,m95256", "atmel,at25" with no geometry: info shows the part, and it reads and writes', async () => {
    const b = t.file('named.dts', board(eeprom0('compatible = "st,m95256", "atmel,at25";')));
    const info = await runCli(['--board', b, 'info']);
    expect(info.code).toBe(0);
    expect(info.stderr).toBe('');
    expect(info.stdout).toMatch(/eeprom0 \/spi@0\/eeprom@0 on spi0: AT25256 32768 bytes \(32 KiB\), 64-byte pages/);
    expect(info.stdout).toMatch(/eeprom1 \/i2c@1\/eeprom@50 on i2c0 at I2C address 0x50: AT24C02 256 bytes, 8-byte pages/);
    const img = t.file('named.bin');
    expect((await runCli(['--board', b, '--image', `eeprom0=${img}`, 'write', 'eeprom0', '0x7ffe', '--hex', 'abcd'])).code).toBe(0);
    expect(statSync(img).size).toBe(32768);
  });
});

describe('partly unusable boards: info works, the rest of the board works, the broken device says why', () => {
  test.each([
    ['a misspelled compatible', 'compatible = "atmel,at25xx"; size = <4096>; pagesize = <32>; address-width = <16>;', /compatible "atmel,at25xx" names no part hilbridge drives; an EEPROM here needs a part's compatible \(e\.g\. "atmel,at25256", see `hilbridge parts`\) or "atmel,at25" with size, pagesize and address-width/],
    ['a Linux AT24 compatible on an SPI bus', 'compatible = "atmel,24c256";', /compatible "atmel,24c256" is an I2C EEPROM \(AT24C256\), but \/spi@0 is an SPI bus/],
    ['a missing required property', 'compatible = "atmel,at25"; size = <4096>; pagesize = <32>;', /required property "address-width" is missing \(binding atmel,at25: .*\) \(so \/spi@0\/eeprom@0 is not used\)/],
    ['an impossible page size', 'compatible = "atmel,at25"; size = <4096>; pagesize = <48>; address-width = <16>;', /property "pagesize" is 48; EEPROM pages are a power of two between 1 and size \(4096\) \(so \/spi@0\/eeprom@0 is not used\)/],
  ])('%s', async (_what, props, why) => {
    const b = t.file(`broken-${props.length}.dts`, board(eeprom0(props)));
    const info = await runJson(['--board', b, 'info']);
    expect(info.code).toBe(0);
    expect(info.json.devices).toEqual([expect.objectContaining({ name: 'eeprom1' })]);
    expect((info.json.warnings as string[]).join('\n')).toMatch(why);
    expect(info.json.warnings).toContain('thread d0 is not started: it serves eeprom0, which is not a device hilbridge can drive (see the warning about its node)');

    // The other chip works, with the warning printed once on standard error.
    const img = t.file(`ok-${props.length}.bin`);
    const ok = await runCli(['--board', b, '--image', `eeprom1=${img}`, 'write', 'eeprom1', '0', '--hex', '42']);
    expect(ok.code).toBe(0);
    expect(ok.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^hilbridge: warning: /)]);
    expect(ok.stderr).toMatch(why);

    // The broken one says exactly why, once (its warning is not repeated above the error).
    const bad = await runCli(['--board', b, 'read', 'eeprom0', '0', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^hilbridge: ENODEV: eeprom0 \(\/spi@0\/eeprom@0\) cannot be used: /)]);
    expect(bad.stderr).toMatch(why);
  });

  test('a board whose only EEPROM cannot be used says so in info, and why', async () => {
    const only = t.file('only.dts', `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <0>;
	spi@0 {
		compatible = "hilbridge,mock-spi";
		reg = <0>;
		#address-cells = <1>;
		#size-cells = <0>;
		eeprom0: eeprom@0 { compatible = "atmel,25lc256"; reg = <0>; spi-max-frequency = <1000000>; };
	};
};
`);
    const r = await runCli(['--board', only, 'info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^devices:\n {2}none hilbridge can use \(the warnings below say why\)\nwarnings:\n {2}\/spi@0\/eeprom@0: compatible "atmel,25lc256" names no part hilbridge drives;/m);
    const read = await runCli(['--board', only, 'read', 'eeprom0', '0', '1']);
    expect(read.code).toBe(2);
    expect(read.stderr).toMatch(/^hilbridge: ENODEV: eeprom0 \(\/spi@0\/eeprom@0\) cannot be used: .*names no part hilbridge drives/);
  });

  test('a disabled node says how to enable it; --quiet prints no warnings', async () => {
    const b = t.file('disabled.dts', board(eeprom0('compatible = "atmel,at25256"; status = "disabled";')));
    const r = await runCli(['--board', b, 'status', 'eeprom0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/eeprom0 \(\/spi@0\/eeprom@0\) is disabled in .*disabled\.dts \(status = "disabled" on it or a parent node\); set status = "okay" to use it/);
    const broken = t.file('quiet.dts', board(eeprom0('compatible = "atmel,at25xx";')));
    const q = await runCli(['--board', broken, '--quiet', 'status', 'eeprom1']);
    expect(q.code).toBe(0);
    expect(q.stderr).toBe('');
  });

  test('an SPI controller that cannot be opened next to a working I2C one: the I2C chip is served, the SPI one reported', async () => {
    const b = t.file(
      'missing-spi.dts',
      board('', `\tspidev: spi@2 { compatible = "brcm,bcm2835-spi"; #address-cells = <1>; #size-cells = <0>; hilbridge,spidev-bus = <9>;\n\t\teeprom0: eeprom@0 { compatible = "atmel,at25256", "atmel,at25"; reg = <0>; spi-max-frequency = <1000000>; };\n\t};`),
    );
    const info = await runJson(['--board', b, 'info']);
    expect(info.code).toBe(0);
    expect(info.json.devices).toEqual([expect.objectContaining({ name: 'eeprom1' })]);
    expect(info.json.unavailable).toEqual([{ device: 'eeprom0', bus: 'spidev', backend: 'spidev', error: { code: 'ENODEV', message: expect.stringMatching(/\/dev\/spidev9\.0 does not exist/) } }]);
    const text = await runCli(['--board', b, 'info']);
    expect(text.stdout).toMatch(/^ {2}eeprom0: cannot be used: spidev \(spidev\) could not be opened \(ENODEV; see above\)$/m);
    const img = t.file('served.bin');
    const ok = await runCli(['--board', b, '--image', `eeprom1=${img}`, 'read', 'eeprom1', '0', '4']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/^hilbridge: warning: \/spi@2 \(spidev\) cannot be opened, so eeprom0 cannot be used: \/dev\/spidev9\.0 does not exist/);
    const bad = await runCli(['--board', b, 'read', 'eeprom0', '0', '4']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^hilbridge: ENODEV: eeprom0 is on spidev \(spidev\), which could not be opened: \/dev\/spidev9\.0 does not exist/)]);
  });
});

test('a DTB compiled without -@ and asked for a label says labels need dt compile -@', async () => {
  const dtb = join(t.dir, 'plain.dtb');
  expect((await runCli(['dt', 'compile', join(ROOT, 'dts', 'mock.dts'), '-o', dtb])).code).toBe(0);
  const r = await runCli(['--board', dtb, 'read', 'eeprom0', '0', '4']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /no device "eeprom0": .*plain\.dtb is a DTB without labels \(compiled without -@\), so devices are named by path; devices: .*\/spi@0\/eeprom@0.*To keep labels such as eeprom0, compile the board with: hilbridge dt compile -@/,
  );
});
