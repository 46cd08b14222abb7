/**
 * The file helpers, with `-` as standard input and output: real pipes into and out of a child
 * process that uses them (files-stdio-child.ts), bytes compared exactly; a reader that closes
 * early (`| head -c 10`); a terminal on standard input refused; and the errors for files.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePath, isStdio, readFileOrFail, writeFileOrFail } from '../../src/cli/files';

const ROOT = join(__dirname, '..', '..');
const CHILD = join(__dirname, 'files-stdio-child.ts');
const REGISTER = join(ROOT, 'test', 'emu', 'register-swc.js');
const childArgs = (...args: string[]): string[] => ['-r', REGISTER, CHILD, ...args];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hb-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs the child with `input` piped to its standard input; collects standard output as bytes. */
function runChild(args: string[], input: Uint8Array | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs(...args), { cwd: dir, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    guard(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    if (input) child.stdin!.end(input);
  });
}

/** Ends a child that hangs (a helper waiting forever) before Jest's own timeout would leave it running. */
function guard(child: ChildProcess): void {
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.on('exit', () => clearTimeout(t));
}

const report = (stderr: string): unknown => JSON.parse(stderr.trim().split('\n').pop()!);

test('--in - and --out - copy 3 MiB of every byte value through pipes unchanged', async () => {
  // Larger than any pipe buffer in both directions, so both sides must wait for the other.
  const data = new Uint8Array(3 * 1024 * 1024 + 7);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 11)) & 0xff;
  const r = await runChild(['copy'], data);
  expect(r.code).toBe(0);
  expect(r.stdout.length).toBe(data.length);
  expect(Buffer.compare(r.stdout, Buffer.from(data))).toBe(0);
  expect(report(r.stderr)).toEqual({ bytes: data.length, closedEarly: false });
  expect(existsSync(join(dir, '-'))).toBe(false);
});

test('standard input that is empty, /dev/null or a file', async () => {
  expect(report((await runChild(['read'], new Uint8Array(0))).stderr)).toEqual({ length: 0 });
  expect(report((await runChild(['read'], undefined)).stderr)).toEqual({ length: 0 });
  const file = join(dir, 'in.bin');
  writeFileSync(file, new Uint8Array(100_000).fill(0x5a));
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, childArgs('read'), { cwd: dir, stdio: [fd, 'pipe', 'pipe'], timeout: 20_000 });
    expect(report(r.stderr.toString())).toEqual({ length: 100_000 });
  } finally {
    closeSync(fd);
  }
});

test('--out - into a file that standard output is redirected to', () => {
  const file = join(dir, 'out.bin');
  const fd = openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, childArgs('emit', '200000'), { cwd: dir, stdio: ['ignore', fd, 'pipe'], timeout: 20_000 });
    expect(r.status).toBe(0);
  } finally {
    closeSync(fd);
  }
  const got = readFileSync(file);
  expect(got.length).toBe(200_000 + 'summary\n'.length);
  expect(got.subarray(0, 4)).toEqual(Buffer.from([7, 38, 69, 100]));
  expect(got.subarray(200_000).toString()).toBe('summary\n');
});

test('a slow reader on a pipe Node has made non-blocking still gets every byte', async () => {
  const n = 2 * 1024 * 1024;
  const child = spawn(process.execPath, childArgs('emit', String(n), 'after-stdout'), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  guard(child);
  child.stdout.pause(); // the writer fills the pipe and meets EAGAIN until we start reading
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  setTimeout(() => child.stdout.resume(), 300);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(code).toBe(0);
  expect(report(err)).toEqual({ bytes: n, closedEarly: false });
  const got = Buffer.concat(out);
  expect(got.length).toBe(n + 'summary\n'.length);
  for (const i of [0, 1, 65535, 65536, n - 1]) expect(got[i]).toBe((i * 31 + 7) & 0xff);
});

test('a reader that closes early stops the write quietly, and later output does not crash the process', async () => {
  const child = spawn(process.execPath, childArgs('emit', String(8 * 1024 * 1024)), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  guard(child);
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b)));
  child.stdout.destroy(); // as `head -c 10` exits after its bytes
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(first.subarray(0, 4)).toEqual(Buffer.from([7, 38, 69, 100]));
  expect(code).toBe(0);
  const r = report(err) as { bytes: number; closedEarly: boolean };
  expect(r.closedEarly).toBe(true);
  expect(r.bytes).toBeLessThan(8 * 1024 * 1024);
  expect(err).not.toMatch(/Error|EPIPE|at /);
});

const haveBash = spawnSync('bash', ['-c', 'true']).status === 0;

(haveBash ? test : test.skip)('the shell pipeline `| head -c 10`', () => {
  const cmd = `"${process.execPath}" ${childArgs('emit', '5000000')
    .map((a) => `"${a}"`)
    .join(' ')} 2>err.txt | head -c 10; echo " exit=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: dir, timeout: 20_000 });
  expect(r.stdout).toEqual(Buffer.from([7, 38, 69, 100, 131, 162, 193, 224, 255, 30]));
  expect(r.stderr.toString()).toContain('exit=0');
  const err = readFileSync(join(dir, 'err.txt'), 'utf8');
  expect(report(err)).toMatchObject({ closedEarly: true });
  expect(err).not.toMatch(/Error|EPIPE/);
});

/** Runs the child on a pseudo-terminal (python3's pty module), returning what appeared on it. */
function onTerminal(args: string[]): { status: number | null; screen: string } | undefined {
  const py = [
    'import os, pty, sys',
    'pid, fd = pty.fork()',
    'if pid == 0: os.execv(sys.argv[1], sys.argv[1:])',
    'out = b""',
    'while True:',
    '    try: d = os.read(fd, 4096)',
    '    except OSError: break',
    '    if not d: break',
    '    out += d',
    '_, st = os.waitpid(pid, 0)',
    'sys.stdout.buffer.write(out)',
    'sys.exit(os.waitstatus_to_exitcode(st))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py, process.execPath, ...args], { cwd: dir, timeout: 20_000 });
  if (r.error) return undefined;
  return { status: r.status, screen: r.stdout.toString() };
}

const havePty = spawnSync('python3', ['-c', 'import pty']).status === 0;

(havePty ? test : test.skip)('--in - on a terminal is refused instead of waiting for typing', () => {
  const r = onTerminal(childArgs('read'))!;
  expect(r.status).toBe(2);
  expect(r.screen).toMatch(/"code":"EINVAL".*input file is standard input \(-\), which is a terminal; pipe the data in/);
});

(havePty ? test : test.skip)('outputIsTerminal: --out - on a terminal, not on a pipe', async () => {
  expect(onTerminal(childArgs('terminal'))!.screen).toContain('{"outputIsTerminal":true,"fileIsTerminal":false}');
  expect(report((await runChild(['terminal'], undefined)).stderr)).toEqual({ outputIsTerminal: false, fileIsTerminal: false });
});

describe('in-process', () => {
  test('isStdio and describePath', () => {
    expect(isStdio('-')).toBe(true);
    expect(isStdio('./-')).toBe(false);
    expect(isStdio(undefined)).toBe(false);
    expect(describePath('-', 'input')).toBe('standard input');
    expect(describePath('-', 'output')).toBe('standard output');
    expect(describePath('chip.bin', 'output')).toBe('chip.bin');
  });

  test('files: written and read back; a missing file, a directory and a missing directory say so', () => {
    const file = join(dir, 'x.bin');
    expect(writeFileOrFail(file, Uint8Array.of(1, 2, 3))).toEqual({ bytes: 3, closedEarly: false });
    expect([...readFileOrFail(file, 'input file')]).toEqual([1, 2, 3]);
    expect(writeFileOrFail(file, 'héllo')).toEqual({ bytes: 6, closedEarly: false });
    expect(() => readFileOrFail(join(dir, 'nope.bin'), 'input file')).toThrow(/input file .*nope\.bin does not exist; check the path/);
    expect(() => readFileOrFail(dir, 'input file')).toThrow(/is a directory; give a file/);
    expect(() => writeFileOrFail(join(dir, 'no', 'such', 'dir.bin'), 'x')).toThrow(/its directory does not exist; choose another --out path/);
  });
});
