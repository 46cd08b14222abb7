/**
 * Every error a user can meet, through the built binary: one clear line on standard error (no
 * stack trace unless --debug), `{"error":{code,message}}` with --json, and the documented exit
 * code (1 operation failed, 2 usage error). Hardware errors come from the real spidev backend
 * and spi-device addon under the hilemu LD_PRELOAD shim (test/emu), or from a hidden addon.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '../../src/hal/clock';
import { ModelServer } from '../emu/model-server';
import { buildShim } from '../emu/remote';
import { ROOT, runCli, runJson, tempDir } from './run-cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

/** Exactly one line on standard error, mentioning no source file of ours (no stack). */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('usage errors exit 2', () => {
  test.each([
    [['read', 'eeprom0', '-5', '1'], /offset "-5" is negative/],
    [['read', 'eeprom0', 'ten', '1'], /offset "ten" is not a number; write it as decimal \(4096\), hex \(0x1000\) or with a unit/],
    [['read', 'eeprom0', '32k', '1'], /offset 32768 \(0x8000\) is past the end of the device: eeprom0 is 32768 bytes \(32 KiB\), offsets 0\.\.0x7fff/],
    [['read', 'eeprom0', '0x7ff0', '0x20'], /32 bytes from offset 0x7ff0 run past the end .*eeprom0 is 32768 bytes/],
    [['read', 'eeprom2', '0', '1k'], /eeprom2 is 512 bytes, offsets 0\.\.0x1ff/],
    [['erase', 'eeprom0', '--offset', '1M'], /offset 1048576 \(0x100000\) is past the end/],
    [['erase', 'eeprom0', '--fill', '300'], /--fill "300" is not a byte/],
    [['read', 'eeprom9', '0', '1'], /no device "eeprom9" on this board; name one by label or path: eeprom0 \(\/spi@0\/eeprom@0\)/],
    [['write', 'eeprom0', '0'], /nothing to write: give --in FILE or --hex HEX/],
    [['write', 'eeprom0', '0', '--hex', 'abc'], /odd number of hex digits/],
    [['write', 'eeprom0', '0', '--in', '/nonexistent/x.bin'], /input file \/nonexistent\/x\.bin does not exist/],
    [['write', 'eeprom0', '0', '--in', 'x', '--hex', '00'], /either --in FILE or --hex HEX, not both/],
    [['dump', 'eeprom0'], /dump needs --out FILE/],
    [['--board', '/nonexistent/board.dts', 'info'], /board file \/nonexistent\/board\.dts \(from --board\) does not exist/],
    [['--image', 'eeprom0', 'info'], /--image "eeprom0" must be NAME=FILE/],
    [['bogus'], /unknown command 'bogus' \(see hilbridge --help\)/],
    [['read', 'eeprom0', '0'], /missing required argument 'length'/],
    [['info', '--frobnicate'], /unknown option '--frobnicate'/],
    [['protect', 'eeprom0', '--blocks', 'most'], /option '--blocks <which>' argument 'most' is invalid. Allowed choices are none, upper-quarter, upper-half, all/],
    [['protect', 'eeprom0'], /protect needs --blocks none\|upper-quarter\|upper-half\|all, --wpen on\|off, or both/],
    [['--transport', 'carrier-pigeon', 'info'], /Allowed choices are sync, port/],
  ])('%j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: E[A-Z]+: /);
    expect(r.stderr).toMatch(message);
  });

  test('--json turns usage errors into one error object on standard output, stderr stays empty', async () => {
    const r = await runJson(['read', 'eeprom0', '0x8000', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(r.json).toEqual({ error: { code: 'EINVAL', message: expect.stringMatching(/past the end of the device: eeprom0 is 32768 bytes/) } });
    const c = await runJson(['nope']);
    expect(c.code).toBe(2);
    expect(c.json).toMatchObject({ error: { code: 'EINVAL', message: expect.stringMatching(/unknown command 'nope'/) } });
    const d = await runJson(['status', 'eeprom7']);
    expect(d.json).toMatchObject({ error: { code: 'ENOENT' } });
  });

  test('HILBRIDGE_BOARD pointing nowhere is named as the source', async () => {
    const r = await runCli(['info'], { env: { HILBRIDGE_BOARD: '/nonexistent/env.dts' } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/board file \/nonexistent\/env\.dts \(from HILBRIDGE_BOARD\) does not exist/);
  });

  test('a range past the end is refused before any bus traffic: the image file is untouched', async () => {
    const img = t.file('untouched.bin', Buffer.alloc(32768, 0x11));
    const r = await runCli(['--image', `eeprom0=${img}`, 'write', 'eeprom0', '0x7fff', '--hex', '0102']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 bytes from offset 0x7fff run past the end.*at most 1 bytes fit there/);
    expect(readFileSync(img).every((b) => b === 0x11)).toBe(true);
  });
});

describe('--help', () => {
  test('documents the exit codes and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0\s+success\n\s+1\s+the operation failed.*\n\s+2\s+usage error/);
    for (const cmd of ['demo', 'info', 'ps', 'read', 'dump', 'write', 'verify', 'erase', 'status', 'protect', 'probe', 'dt']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
    const none = await runCli([]);
    expect(none.code).toBe(2); // no command: the help goes to standard error
    expect(none.stderr).toMatch(/^Usage: hilbridge /);
    expect(none.stderr).not.toMatch(/hilbridge: E/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const w = await runCli(['help', 'write']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/--no-verify/);
    expect(w.stdout).toMatch(/--dry-run/);
  });
});

// A board or an --image that cannot be used is a configuration error (exit 2, like a missing board
// file); compiling a broken file with `dt compile` is that command's operation failing (exit 1).
describe('board and image problems, and operation failures', () => {
  test('a board file that does not parse is a configuration error (exit 2): file:line:col, the source line and a caret; no stack', async () => {
    const bad = t.file('bad.dts', '/dts-v1/;\n/ {\n\tmodel = "x"\n\tfoo = <1>;\n};\n');
    const r = await runCli(['--board', bad, 'info']);
    expect(r.code).toBe(2);
    const [first, ...rest] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(new RegExp(`^hilbridge: EINVAL: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `));
    expect(rest.length).toBeLessThanOrEqual(2); // the quoted line and the caret
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await runJson(['--board', bad, 'info']);
    expect(j.json).toMatchObject({ error: { code: 'EINVAL', message: expect.stringContaining('bad.dts:') } });
  });

  test('--debug adds the stack trace', async () => {
    const bad = t.file('bad2.dts', '/dts-v1/;\n/ { x = <1 };\n');
    const r = await runCli(['--debug', '--board', bad, 'info']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at .*\.js:\d+:\d+/);
  });

  test('an --image for a device the board lacks is a usage error, and no file is created', async () => {
    const img = join(t.dir, 'never-created.bin');
    const r = await runCli(['--image', `eeprom9=${img}`, 'info']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/--image names eeprom9, but the board has no such device/);
    expect(existsSync(img)).toBe(false);
  });

  test('an image file of the wrong size is refused with a clear message, as a configuration error (exit 2)', async () => {
    const img = t.file('small.bin', Buffer.alloc(100));
    const r = await runCli(['--image', `eeprom0=${img}`, 'read', 'eeprom0', '0', '1']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/100.*32768|32768.*100/);
    expect(statSync(img).size).toBe(100);
  });

  test('an --image in a directory that does not exist is a usage error in one clean line, and nothing is created', async () => {
    const img = join(t.dir, 'no', 'such', 'dir', 'chip.bin');
    const r = await runCli(['--image', `eeprom0=${img}`, 'read', 'eeprom0', '0', '1']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: ENOENT: --image eeprom0=.*chip\.bin: the directory .*dir does not exist; create it or choose another path$/);
    expect(existsSync(join(t.dir, 'no'))).toBe(false);
  });

  test('dt compile of a missing file is a usage error, of a broken file an operation failure', async () => {
    expect((await runCli(['dt', 'compile', '/nonexistent.dts', '-o', t.file('x.dtb')])).code).toBe(2);
    const bad = t.file('bad3.dts', '/dts-v1/;\n/ { a = <&nolabel>; };\n');
    const r = await runCli(['dt', 'compile', bad, '-o', t.file('y.dtb')]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/bad3\.dts:2:\d+: error: .*nolabel/);
  });
});

describe('hardware errors through the real spidev backend', () => {
  const rpiBoard = join(ROOT, 'dts', 'rpi-at25.dts');
  let shim = '';
  let server: ModelServer;
  beforeAll(async () => {
    shim = buildShim();
    server = await ModelServer.start({ clock: new VirtualClock() }); // no chip on the bus
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  const emuEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ LD_PRELOAD: shim, HILBRIDGE_EMU_SOCKET: server.socketPath, ...extra });

  test('no /dev/spidev0.0: says to enable SPI', async () => {
    const r = await runCli(['--board', rpiBoard, 'status', 'eeprom0'], { env: emuEnv({ HILBRIDGE_EMU_SPIDEV: '/dev/spidev9.9' }) });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: ENODEV: eeprom0 is on spi0 \(spidev\), which could not be opened: \/dev\/spidev0\.0 does not exist .*dtparam=spi=on/);
  });

  test('no permission on /dev/spidev0.0: says to join the spi group', async () => {
    const r = await runCli(['--board', rpiBoard, 'status', 'eeprom0'], { env: emuEnv({ HILBRIDGE_EMU_DENY: '/dev/spidev0.0' }) });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: EACCES: eeprom0 is on spi0 \(spidev\), which could not be opened: no permission to open \/dev\/spidev0\.0 .*spi group/);
    const j = await runJson(['--board', rpiBoard, 'status', 'eeprom0'], { env: emuEnv({ HILBRIDGE_EMU_DENY: '/dev/spidev0.0' }) });
    expect(j.json).toMatchObject({ error: { code: 'EACCES' } });
  });

  test('a chip that does not answer (MISO floats high): the write times out with advice', async () => {
    const r = await runCli(['--board', rpiBoard, '--yes', 'write', 'eeprom0', '0', '--hex', '00'], { env: emuEnv({ HILBRIDGE_EMU_SPIDEV: '/dev/spidev0.0' }) });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: ETIMEDOUT: eeprom0: write cycle still running after \d+ ms \(status 0xff\); check the chip/);
  });

  test('spi-device missing or not built: says what to install', async () => {
    const hide = t.file(
      'hide-spi-device.js',
      `const Module = require('module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'spi-device') throw new Error("Cannot find module 'spi-device'");
  return load.call(this, request, ...rest);
};
`,
    );
    const r = await runCli(['--board', rpiBoard, 'status', 'eeprom0'], { nodeArgs: ['--require', hide] });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^hilbridge: ENOSYS: eeprom0 is on spi0 \(spidev\), which could not be opened: spi-device is not installed or its native build failed .*npm install spi-device/);
  });
});
