/**
 * `-` as standard input and output through the built binary and real pipes (a shell pipeline):
 * `dump --out - > backup.bin` holds exactly the chip's bytes, every message goes to standard error
 * when data goes to standard output (the JSON result and errors included), `write --in -` and
 * `verify --in -` read a pipe, a reader that stops early is no error, and raw binary is never
 * written to a terminal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { havePty, runOnPty } from './pty';
import { MAIN, mockBoard, runCli, tempDir } from './run-cli';

// Each test runs the binary several times; on a loaded two-core machine that takes a while.
jest.setTimeout(120_000);

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
  t.file('board.dts', mockBoard({ size: 4096, pageSize: 32, writeCycleUs: 50 })); // the commands below name it board.dts
});
afterAll(() => t.cleanup());

/** Runs a shell command line with `hb` standing for the built binary; output files live in the temp dir. */
function sh(line: string): { status: number | null; stdout: Buffer; stderr: string } {
  const hb = `'${process.execPath}' '${MAIN}'`;
  const env = { ...process.env };
  delete env.HILBRIDGE_BOARD;
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', line.replace(/\bhb\b/g, hb)], { cwd: t.dir, env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A chip image with every byte value, so any added or lost byte shows. */
function pattern(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + (i >> 8)) & 0xff));
}

test('dump --out - > backup.bin gives exactly the chip\'s bytes; the summary goes to standard error', () => {
  const img = t.file('chip-a.bin', pattern(4096));
  const r = sh(`hb --board board.dts --image chip=${img} dump chip --out - > backup.bin`);
  expect(r.status).toBe(0);
  expect(readFileSync(join(t.dir, 'backup.bin')).equals(readFileSync(img))).toBe(true);
  expect(r.stderr).toMatch(/^dumped chip \(4096 bytes\) to standard output \(raw binary\)\n$/);
  expect(existsSync(join(t.dir, '-'))).toBe(false);
});

test('with --json and --out -, the JSON result goes to standard error and standard output holds only the data', () => {
  const img = t.file('chip-b.bin', pattern(4096));
  const r = sh(`hb --json --board board.dts --image chip=${img} dump chip --out - | cat > out.bin`);
  expect(r.status).toBe(0);
  expect(readFileSync(join(t.dir, 'out.bin')).equals(readFileSync(img))).toBe(true);
  expect(JSON.parse(r.stderr)).toMatchObject({ device: 'chip', size: 4096, out: '-', format: 'bin', bytesWritten: 4096 });
});

test('an error while the data goes to standard output is printed on standard error only', () => {
  const r = sh('hb --board board.dts dump nosuch --out - > err.bin');
  expect(r.status).toBe(2);
  expect(readFileSync(join(t.dir, 'err.bin')).length).toBe(0);
  expect(r.stderr).toMatch(/^hilbridge: ENOENT: no device "nosuch"/);
  const j = sh('hb --json --board board.dts dump nosuch --out - > err.json');
  expect(j.status).toBe(2);
  expect(readFileSync(join(t.dir, 'err.json')).length).toBe(0);
  expect(JSON.parse(j.stderr)).toMatchObject({ error: { code: 'ENOENT' } });
});

test('read --out - and read --format bin write raw bytes to a pipe; hex formats work there too', () => {
  const img = t.file('chip-c.bin', pattern(4096));
  const raw = sh(`hb --board board.dts --image chip=${img} read chip 0x100 0x80 --out - | od -An -tx1 -v | tr -d ' \\n'`);
  expect(raw.status).toBe(0);
  expect(raw.stdout.toString()).toBe(pattern(4096).subarray(0x100, 0x180).toString('hex'));
  expect(raw.stderr).toMatch(/^read 128 bytes of chip at 0x100 into standard output \(raw binary\)\n$/);
  const bin = sh(`hb --board board.dts --image chip=${img} read chip 0 16 --format bin | wc -c`);
  expect(bin.stdout.toString().trim()).toBe('16');
  const ihex = sh(`hb --board board.dts --image chip=${img} read chip 0 16 --out - --format ihex`);
  expect(ihex.stdout.toString()).toMatch(/^:10000000[0-9A-F]{34}\n:00000001FF\n$/);
});

test('write --in - and verify --in - read a pipe; the chip then holds exactly those bytes', () => {
  const img = t.file('chip-d.bin');
  const data = pattern(1000);
  writeFileSync(join(t.dir, 'data.bin'), data);
  const w = sh(`cat data.bin | hb --board board.dts --image chip=${img} write chip 0x200 --in -`);
  expect(w.status).toBe(0);
  expect(w.stdout.toString()).toMatch(/^wrote 1000 bytes to chip at 0x200\.\.0x5e7: 32 pages written, verified in \d+ ms\n$/);
  expect(readFileSync(img).subarray(0x200, 0x200 + 1000).equals(data)).toBe(true);
  const v = sh(`cat data.bin | hb --board board.dts --image chip=${img} verify chip 0x200 --in -`);
  expect(v.status).toBe(0);
  expect(v.stdout.toString()).toMatch(/^chip matches standard input: 1000 bytes at 0x200\.\.0x5e7\n$/);
  // Standard input in Intel HEX, detected by content.
  const hex = sh(`hb --board board.dts --image chip=${img} read chip 0x200 16 --format ihex | hb --board board.dts --image chip=${img} verify chip --in -`);
  expect(hex.status).toBe(0);
  expect(hex.stdout.toString()).toMatch(/^chip matches standard input: 16 bytes at 0x200\.\.0x20f\n$/);
});

test('a reader that stops early (| head -c 10) is not an error, and the summary says how far it got', () => {
  const img = t.file('chip-e.bin', pattern(4096));
  const r = sh(`hb --board board.dts --image chip=${img} dump chip --out - 2>err.txt | head -c 10 | od -An -tx1 | tr -d ' \\n'; echo " \${PIPESTATUS[0]}"`);
  expect(r.stdout.toString()).toBe(`${pattern(10).toString('hex')} 0\n`);
  const err = readFileSync(join(t.dir, 'err.txt'), 'utf8');
  expect(err).not.toMatch(/EPIPE|Error|\bat /);
});

test('a reader that stops early on printed output (help, a hexdump) is no crash either', () => {
  for (const line of ['hb --help 2>err1.txt | head -1', 'hb read eeprom0 0 4k -v 2>err2.txt | head -1']) {
    const r = sh(`${line}; echo "exit \${PIPESTATUS[0]}"`);
    expect(r.stdout.toString()).toMatch(/\nexit 0\n$/);
  }
  expect(readFileSync(join(t.dir, 'err1.txt'), 'utf8') + readFileSync(join(t.dir, 'err2.txt'), 'utf8')).toBe('');
});

test('an empty or unusable standard input is a usage error, and nothing is written', () => {
  const img = t.file('chip-f.bin');
  const r = sh(`hb --board board.dts --image chip=${img} write chip --in - < /dev/null`);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/input file standard input is empty; there is nothing to write/);
  const bad = sh(`printf ':10000000ZZ\\n' | hb --board board.dts --image chip=${img} write chip --in -`);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/standard input line 1: 'Z' at column 10 is not a hex digit/);
  expect(readFileSync(img).every((b) => b === 0xff)).toBe(true);
});

(havePty ? describe : describe.skip)('on a terminal', () => {
  test('raw binary is refused on the terminal before the chip is read; a hexdump is fine', async () => {
    const r = await runOnPty(['read', 'eeprom0', '0', '16', '--format', 'bin']);
    expect(r.status).toBe(2);
    expect(r.screen).toMatch(/refusing to write raw binary to the terminal; redirect standard output/);
    const d = await runOnPty(['dump', 'eeprom0', '--out', '-']);
    expect(d.status).toBe(2);
    expect(d.screen).toMatch(/refusing to write raw binary to the terminal/);
    const hex = await runOnPty(['dump', 'eeprom2', '--out', '-', '--format', 'srec']);
    expect(hex.status).toBe(0);
    expect(hex.screen).toMatch(/S9030000FC/);
  }, 60_000);

  test('--in - on a terminal is refused instead of waiting for typing', async () => {
    const r = await runOnPty(['write', 'eeprom0', '0', '--in', '-']);
    expect(r.status).toBe(2);
    expect(r.screen).toMatch(/input file is standard input \(-\), which is a terminal; pipe the data in/);
  }, 60_000);
});

test('runCli helper: stdout of a plain read is the hexdump and stderr is empty (the mock board has no warnings)', async () => {
  const r = await runCli(['read', 'eeprom0', '0', '32']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^0000 {2}ff ff/);
});
