/**
 * Every command on the mock boards, through the built binary: human output and `--json` results,
 * exit codes, and `--image` files that carry a chip's contents from one process to the next.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDts, type DtNode } from '../../src/devicetree';
import { demoPattern } from '../../src/cli/commands/demo';
import { imageBoard, ROOT, runCli, runJson, tempDir } from './run-cli';

const t = imageBoard({ size: 4096, pageSize: 32, writeCycleUs: 100 });
/** A fresh image file name for the test board's `chip`. */
const image = (): string => t.image();

describe('demo (npm start)', () => {
  test('writes across a page boundary, reads back through the driver thread, prints a hexdump and a summary', async () => {
    const r = await runCli(['demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^0030 {2}68 69 6c 62 72 69 64 67 {2}65 20 64 65 6d 6f 3a 20 {2}\|hilbridge demo: \|$/m);
    expect(r.stdout).toMatch(/^ok: eeprom0 wrote and read back \d+ bytes at 0x30\.\.0x[0-9a-f]+ \(pages 0\.\.\d+ of 64 bytes\), identical \| \d+ syscalls \(.*spi_transfer \d+.*\) \| \d+ bytes on the bus \| [\d.]+ ms$/m);
  });

  test('--json reports the bytes read back, which equal the pattern, and nonzero counters', async () => {
    const r = await runJson(['demo']);
    expect(r.code).toBe(0);
    const j = r.json as { ok: boolean; offset: number; length: number; data: string; syscalls: number; busBytes: number; pages: { first: number; last: number } };
    expect(j.ok).toBe(true);
    expect(j.pages.last).toBeGreaterThan(j.pages.first);
    expect(Buffer.from(j.data, 'hex')).toEqual(Buffer.from(demoPattern(j.length)));
    expect(j.syscalls).toBeGreaterThan(0);
    expect(j.busBytes).toBeGreaterThan(j.length * 2); // written and read back, plus commands
  });

  test('runs on another board and device, and persists with --image', async () => {
    const img = image();
    const r = await runJson([...t.g(img), 'demo', '--device', 'chip']);
    expect(r.code).toBe(0);
    const j = r.json as { offset: number; length: number };
    expect(readFileSync(img).subarray(j.offset, j.offset + j.length)).toEqual(Buffer.from(demoPattern(j.length)));
  });
});

describe('info and ps', () => {
  test('info lists buses, backends, parts, sizes, page sizes and the driving thread with its grants', async () => {
    const r = await runJson(['info']);
    expect(r.code).toBe(0);
    const devices = r.json.devices as { name: string; path: string; part: string; size: number; pageSize: number; backend: string; servedBy: string; grants: string[]; address?: number }[];
    const e0 = devices.find((d) => d.name === 'eeprom0')!;
    expect(e0).toMatchObject({ path: '/spi@0/eeprom@0', part: 'at25', size: 32768, pageSize: 64, backend: 'mock', servedBy: 'eeprom0_driver' });
    expect(e0.grants.some((g) => g.includes('eeprom0'))).toBe(true);
    expect(devices.find((d) => d.part === 'at24')).toMatchObject({ address: 0x50 });
    const text = await runCli(['info']);
    expect(text.stdout).toMatch(/eeprom0 \/spi@0\/eeprom@0 on spi0: AT25 32768 bytes \(32 KiB\), 64-byte pages; driven by thread eeprom0_driver \(grants: .*eeprom0/);
  });

  test('ps shows every driver thread, dormant until its device is first used, confined, with its grants and counters', async () => {
    const r = await runJson(['ps']);
    const threads = r.json.threads as { name: string; state: string; confined: boolean; grants: string[]; counters: Record<string, number> }[];
    expect(threads.map((x) => x.name)).toContain('eeprom0_driver');
    for (const th of threads) {
      expect(th.state).toBe('dormant');
      expect(th.confined).toBe(true);
      expect(th.counters).toMatchObject({ syscalls: 0, denials: 0, faults: 0, restarts: 0 });
    }
    const text = await runCli(['ps']);
    expect(text.stdout.split('\n')[0]).toMatch(/^NAME +STATE +TRANSPORT +SYSCALLS +DENIED +FAULTS +RESTARTS +BUSBYTES .* CONFINED$/);
    expect(text.stdout).toMatch(/^eeprom0_driver +dormant +sync /m);
  });

  test('--transport port boots the driver threads on the message-port transport', async () => {
    const r = await runJson(['--transport', 'port', 'ps']);
    expect((r.json.threads as { transport: string }[]).every((x) => x.transport === 'port')).toBe(true);
  });
});

describe('write, read, verify, erase, dump across processes with --image', () => {
  test('a write in one run is read back by the next; formats hex, json, bin and --out', async () => {
    const img = image();
    const w = await runCli([...t.g(img), 'write', 'chip', '0x1c', '--hex', 'de ad be ef 01 02 03 04 05']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/wrote 9 bytes to chip at 0x1c\.\.0x24: 2 pages written, verified/);
    expect(statSync(img).size).toBe(4096);

    const hex = await runCli([...t.g(img), 'read', 'chip', '0x1c', '9']);
    expect(hex.code).toBe(0);
    // Columns 0..11 of the first row are empty (3 characters each, one more after the 8th).
    expect(hex.stdout).toBe(`0010  ${' '.repeat(37)}de ad be ef  |${' '.repeat(12)}....|\n0020  01 02 03 04 05 ${' '.repeat(34)} |.....${' '.repeat(11)}|\n`);

    const json = await runJson([...t.g(img), 'read', 'chip', '28', '10']);
    expect(json.json).toEqual({ device: 'chip', offset: 28, length: 10, data: 'deadbeef0102030405ff' });
    const fmt = await runCli([...t.g(img), 'read', 'chip', '28', '2', '--format', 'json']);
    expect(JSON.parse(fmt.stdout)).toMatchObject({ data: 'dead' });

    const bin = await runCli([...t.g(img), 'read', 'chip', '0x1c', '4', '--format', 'bin']);
    expect(bin.stdoutBytes).toEqual(Buffer.from('deadbeef', 'hex'));

    const out = t.file('region.bin');
    const o = await runCli([...t.g(img), 'read', 'chip', '0x1c', '4', '--out', out]);
    expect(o.stdout).toMatch(/read 4 bytes of chip at 0x1c into .*region\.bin \(raw binary\)/);
    expect(readFileSync(out)).toEqual(Buffer.from('deadbeef', 'hex'));
  });

  test('write --in FILE with units in the offset; verify matches, then reports differences after a change', async () => {
    const img = image();
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
    const file = t.file('data.bin', data);
    const g = t.g(img);
    expect((await runCli([...g, 'write', 'chip', '1k', '--in', file])).code).toBe(0);
    expect(readFileSync(img).subarray(1024, 1124)).toEqual(data);

    const ok = await runJson([...g, 'verify', 'chip', '--in', file, '--offset', '0x400']);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ match: true, differences: 0, length: 100, offset: 1024 });

    expect((await runCli([...g, 'write', 'chip', '1030', '--hex', '00 00', '--no-verify'])).code).toBe(0);
    const bad = await runCli([...g, 'verify', 'chip', '--in', file, '--offset', '1KiB']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/chip differs from .*data\.bin in 2 of 100 bytes; first at 0x406:/);
    expect(bad.stdout).toContain(`0x0406: file 0x${data[6]!.toString(16).padStart(2, '0')}, chip 0x00`);
    const badJson = await runJson([...g, 'verify', 'chip', '--in', file, '--offset', '1KiB']);
    expect(badJson.code).toBe(1);
    expect(badJson.json).toMatchObject({ match: false, differences: 2, first: [{ offset: 1030, actual: 0 }, { offset: 1031, actual: 0 }] });
  });

  test('--dry-run lists the pages and writes nothing', async () => {
    const img = image();
    const r = await runJson([...t.g(img), 'write', 'chip', '30', '--hex', '11 22 33 44 55', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ dryRun: true, refused: false, pages: [{ page: 0, from: 30, to: 31, bytes: 2 }, { page: 1, from: 32, to: 34, bytes: 3 }] });
    expect(readFileSync(img).every((b) => b === 0xff)).toBe(true);
    const text = await runCli([...t.g(img), 'write', 'chip', '30', '--hex', '11 22 33 44 55', '--dry-run']);
    expect(text.stdout).toBe(
      'page 0 [0x0000..0x001f]: 2 bytes at 0x001e..0x001f (part of the page)\n' +
        'page 1 [0x0020..0x003f]: 3 bytes at 0x0020..0x0022 (part of the page)\n' +
        'dry run: nothing written; 5 bytes would go to 2 pages of chip, then be verified\n',
    );
  });

  test('erase fills a range (default 0xff, --fill) and dump writes the whole device to a file', async () => {
    const img = image();
    const g = t.g(img);
    const e = await runJson([...g, 'erase', 'chip', '--offset', '0x40', '--length', '0x30', '--fill', '0xa5']);
    expect(e.code).toBe(0);
    expect(e.json).toMatchObject({ offset: 64, length: 48, fill: 0xa5 });
    const bytes = readFileSync(img);
    expect(bytes.subarray(64, 112).every((b) => b === 0xa5)).toBe(true);
    expect(bytes[63]).toBe(0xff);
    expect(bytes[112]).toBe(0xff);

    const out = t.file('dump.bin');
    const d = await runCli([...g, 'dump', 'chip', '--out', out]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/dumped chip \(4096 bytes\) to .*dump\.bin/);
    expect(readFileSync(out)).toEqual(readFileSync(img));

    const all = await runCli([...g, 'erase', 'chip']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/erased chip 0x0\.\.0xfff: 4096 bytes set to 0xff, verified/);
    expect(readFileSync(img).every((b) => b === 0xff)).toBe(true);
  });

  test('devices can be named by devicetree path', async () => {
    const r = await runJson(['read', '/spi@0/eeprom@0', '0', '4']);
    expect(r.json).toMatchObject({ device: 'eeprom0', data: 'ffffffff' });
  });

  test('the AT24 on the mock I2C bus reads and writes through the same commands', async () => {
    const dir = tempDir();
    try {
      const img = dir.file('at24.bin');
      expect((await runCli(['--image', `eeprom1=${img}`, 'write', 'eeprom1', '0x3e', '--hex', 'cafe f00d'])).code).toBe(0);
      const r = await runJson(['--image', `eeprom1=${img}`, 'read', 'eeprom1', '0x3e', '4']);
      expect(r.json).toMatchObject({ device: 'eeprom1', data: 'cafef00d' });
    } finally {
      dir.cleanup();
    }
  });
});

describe('status and protect', () => {
  test('status reports ready, latch clear, no protection', async () => {
    const r = await runJson(['status', 'eeprom0']);
    expect(r.json).toMatchObject({ device: 'eeprom0', busy: false, wel: false, blocks: 'none', wpen: false, raw: 0, protectedFrom: 32768 });
    const text = await runCli(['status', 'eeprom0']);
    expect(text.stdout).toBe('eeprom0: ready, block protection none, write-enable latch clear, WPEN off, status register 0x00\n');
  });

  test('protect sets BP1:BP0 and WPEN and prints the new status', async () => {
    const r = await runJson(['protect', 'eeprom0', '--blocks', 'upper-half', '--wpen', 'on']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ blocks: 'upper-half', wpen: true, raw: 0x88, protectedFrom: 16384 });
    const text = await runCli(['protect', 'eeprom0', '--blocks', 'upper-quarter']);
    expect(text.stdout).toMatch(/block protection upper-quarter \(0x6000\.\.0x7fff read-only\)/);
  });

  test('protect on an AT24 (no block protection) fails with ENOTSUP and exit 1', async () => {
    const r = await runJson(['protect', 'eeprom1', '--blocks', 'all']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ error: { code: 'ENOTSUP' } });
  });
});

describe('devicetree commands', () => {
  test('dt show prints DTS text, and JSON with --json', async () => {
    const text = await runCli(['dt', 'show', join(ROOT, 'dts', 'mock.dts')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/eeprom0: eeprom@0 \{/);
    const json = await runJson(['dt', 'show', join(ROOT, 'dts', 'mock.dts')]);
    expect(json.code).toBe(0);
    expect(JSON.stringify(json.json)).toContain('atmel,at25');
  });

  test('dt compile writes a DTB that dt show reads back', async () => {
    const out = t.file('board.dtb');
    const r = await runJson(['dt', 'compile', t.board, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ out, bytes: statSync(out).size });
    expect(readFileSync(out).readUInt32BE(0)).toBe(0xd00dfeed);
    const show = await runCli(['dt', 'show', out]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/model = "cli test board";/);
    expect(show.stdout).toMatch(/eeprom@0 \{[^}]*compatible = "atmel,at25";/);
  });

  test('HILBRIDGE_BOARD selects the board when --board is absent', async () => {
    const r = await runJson(['info'], { env: { HILBRIDGE_BOARD: t.board } });
    expect(r.json).toMatchObject({ model: 'cli test board' });
  });
});

describe('probe', () => {
  /** A live tree in its filesystem form (/sys/firmware/devicetree/base): a directory per node, a file per property. */
  function writeLiveTree(node: DtNode, dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const p of node.props.values()) writeFileSync(join(dir, p.name), p.value);
    for (const c of node.children) writeLiveTree(c, join(dir, c.name));
  }
  const PI = `/dts-v1/;
/ {
	model = "Raspberry Pi 4 Model B";
	#address-cells = <1>;
	#size-cells = <1>;
	aliases { spi0 = "/soc/spi@7e204000"; i2c1 = "/soc/i2c@7e804000"; };
	soc {
		#address-cells = <1>;
		#size-cells = <1>;
		spi@7e204000 {
			compatible = "brcm,bcm2835-spi";
			reg = <0x7e204000 0x200>;
			#address-cells = <1>;
			#size-cells = <0>;
			spidev@0 { compatible = "spidev"; reg = <0>; };
		};
		i2c@7e804000 { compatible = "brcm,bcm2835-i2c"; reg = <0x7e804000 0x1000>; status = "disabled"; };
	};
};
`;

  test('lists controllers, /dev nodes and advice from a live-tree directory', async () => {
    const root = join(t.dir, 'live', 'base');
    const dev = join(t.dir, 'live', 'dev');
    writeLiveTree(parseDts(PI, 'pi.dts').root, root);
    mkdirSync(dev, { recursive: true });
    writeFileSync(join(dev, 'spidev0.0'), '');
    const r = await runJson(['probe', '--root', root, '--dev', dev]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ model: 'Raspberry Pi 4 Model B' });
    const controllers = r.json.controllers as { kind: string }[];
    expect(controllers).toHaveLength(2);
    expect(controllers.find((c) => c.kind === 'spi')).toMatchObject({
      alias: 'spi0',
      bus: 0,
      enabled: true,
      devNodes: [{ path: join(dev, 'spidev0.0'), exists: true, chipSelect: 0 }],
    });
    expect(controllers.find((c) => c.kind === 'i2c')).toMatchObject({ alias: 'i2c1', bus: 1, enabled: false });
    const text = await runCli(['probe', '--root', root, '--dev', dev]);
    expect(text.stdout).toMatch(/spidev0\.0 \(chip select 0\): present/);
    expect(text.stdout).toMatch(/advice: I2C is disabled .*dtparam=i2c_arm=on/);
  });

  test('a missing live tree is a usage error naming the path', async () => {
    const r = await runCli(['probe', '--root', join(t.dir, 'no-such-tree')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/devicetree directory .*no-such-tree does not exist/);
  });
});
