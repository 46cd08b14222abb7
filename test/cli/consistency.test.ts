/**
 * The command line behaves the same way everywhere: offsets and lengths taken alike by every
 * command, the blank check and the unfolded hexdump, help for any command (and a clear error for
 * one that does not exist), every environment variable in --help, defaults shown once, --quiet,
 * and shell completion for bash (and zsh through its bash-completion layer).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageBoard, MAIN, runCli, runJson } from './run-cli';

// Each test runs the binary several times; on a loaded two-core machine that takes a while.
jest.setTimeout(120_000);

const t = imageBoard({ size: 4096, pageSize: 32, writeCycleUs: 50 });
const chip = (fill = 0xff): string => t.image(fill);
const g = (img: string): string[] => t.g(img);

describe('offsets and lengths are taken the same way by every command', () => {
  test('write, verify, erase and blank take OFFSET (and LENGTH) as arguments, like read', async () => {
    const img = chip();
    expect((await runCli([...g(img), 'write', 'chip', '0x100', '--hex', '01 02 03 04'])).code).toBe(0);
    expect((await runJson([...g(img), 'read', 'chip', '0x100', '4'])).json).toMatchObject({ data: '01020304' });
    expect((await runCli([...g(img), 'verify', 'chip', '0x100', '--hex', '01 02 03 04'])).code).toBe(0);
    expect((await runJson([...g(img), 'blank', 'chip', '0x100', '4'])).json).toMatchObject({ blank: false, nonBlank: 4, firstNonBlank: 0x100 });
    const e = await runJson([...g(img), 'erase', 'chip', '0x102', '2', '--fill', '0']);
    expect(e.json).toMatchObject({ offset: 0x102, length: 2, fill: 0 });
    expect([...readFileSync(img).subarray(0x100, 0x106)]).toEqual([1, 2, 0, 0, 0xff, 0xff]);
  });

  test('--offset and --length still work, mean the same, and are refused when the argument is given too', async () => {
    const img = chip();
    expect((await runCli([...g(img), 'write', 'chip', '--offset', '0x20', '--hex', 'aa'])).code).toBe(0);
    expect((await runJson([...g(img), 'verify', 'chip', '--offset', '0x20', '--hex', 'aa'])).json).toMatchObject({ match: true, offset: 0x20 });
    expect((await runJson([...g(img), 'erase', 'chip', '--offset', '0x20', '--length', '1'])).json).toMatchObject({ offset: 0x20, length: 1 });
    const twice = await runCli([...g(img), 'erase', 'chip', '0x20', '--offset', '0x20']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/offset given twice \(as an argument and as --offset\); give it once/);
    const help = await runCli(['help', 'erase']);
    expect(help.stdout).toMatch(/Usage: hilbridge erase \[options\] <dev> \[offset\] \[length\]/);
    expect(help.stdout).not.toMatch(/--offset/); // the old spelling works but is not advertised
  });

  test('the same range errors from every command, before any byte moves', async () => {
    const img = chip(0x11);
    for (const args of [
      ['read', 'chip', '0xff0', '0x20'],
      ['write', 'chip', '0xfff', '--hex', '0102'],
      ['verify', 'chip', '0xfff', '--hex', '0102'],
      ['erase', 'chip', '0xff0', '0x20'],
      ['blank', 'chip', '0xff0', '0x20'],
    ]) {
      const r = await runCli([...g(img), ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/run past the end of the device \(to 0x[0-9a-f]+\): chip is 4096 bytes \(4 KiB\), offsets 0\.\.0xfff/);
    }
    expect(readFileSync(img).every((b) => b === 0x11)).toBe(true);
  });
});

test('write leaves pages that already hold the data alone and says how many; --force rewrites them all', async () => {
  const img = chip();
  const data = t.file('two-pages.bin', Buffer.alloc(64, 0x42));
  const first = await runJson([...g(img), 'write', 'chip', '0x20', '--in', data]);
  expect(first.json).toMatchObject({ pagesWritten: 2, pagesSkipped: 0 });
  const again = await runCli([...g(img), 'write', 'chip', '0x20', '--in', data]);
  expect(again.stdout).toMatch(/^wrote 64 bytes to chip at 0x20\.\.0x5f: 0 pages written, 2 pages already held the data, verified in \d+ ms\n$/);
  expect((await runCli([...g(img), 'write', 'chip', '0x20', '--hex', '43'])).stdout).toMatch(/: 1 page written, verified/);
  const forced = await runJson([...g(img), 'write', 'chip', '0x20', '--in', data, '--force']);
  expect(forced.json).toMatchObject({ pagesWritten: 2, pagesSkipped: 0 });
  const erased = await runCli([...g(img), 'erase', 'chip', '0', '0x80']);
  expect(erased.stdout).toMatch(/^erased chip 0x0\.\.0x7f: 128 bytes set to 0xff, verified; 2 pages written, 2 pages already held 0xff; \d+ ms\n$/);
});

test('protect takes --wpen alone (the blocks stay as they are), and --blocks alone', async () => {
  const w = await runJson(['protect', 'eeprom0', '--wpen', 'on']);
  expect(w.code).toBe(0);
  expect(w.json).toMatchObject({ wpen: true, blocks: 'none' });
  const b = await runJson(['protect', 'eeprom0', '--blocks', 'upper-half']);
  expect(b.json).toMatchObject({ blocks: 'upper-half' });
});

describe('blank and the hexdump', () => {
  test('blank: exit 0 when every byte is 0xff, 1 (with the count and the first) when not', async () => {
    const img = chip();
    const ok = await runCli([...g(img), 'blank', 'chip']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('chip 0x0..0xfff is blank: all 4096 bytes are 0xff\n');
    expect((await runCli([...g(img), 'write', 'chip', '0x800', '--hex', '00 00 00'])).code).toBe(0);
    const not = await runCli([...g(img), 'blank', 'chip']);
    expect(not.code).toBe(1);
    expect(not.stdout).toBe('chip 0x0..0xfff is not blank: 3 of 4096 bytes are not 0xff, the first at 0x800\n');
    expect((await runCli([...g(img), 'blank', 'chip', '0', '0x800'])).code).toBe(0);
  });

  test('the hexdump folds repeated lines; -v (--no-squeeze) prints every one', async () => {
    const folded = await runCli(['read', 'eeprom0', '0', '256']);
    expect(folded.stdout).toBe(`0000  ${'ff '.repeat(8)} ${'ff '.repeat(8)} |................|\n*\n0100\n`);
    const all = await runCli(['read', 'eeprom0', '0', '256', '-v']);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(16);
    expect((await runCli(['read', 'eeprom0', '0', '256', '--no-squeeze'])).stdout).toBe(all.stdout);
  });
});

describe('help', () => {
  test('help COMMAND... shows that command\'s help, subcommands included; an unknown one is named', async () => {
    const compile = await runCli(['help', 'dt', 'compile']);
    expect(compile.code).toBe(0);
    expect(compile.stdout).toMatch(/^Usage: hilbridge dt compile \[options\] <in>/);
    expect(compile.stdout).toMatch(/-@, --symbols/);
    const nosuch = await runCli(['help', 'nosuch']);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toMatch(/^hilbridge: EINVAL: hilbridge has no command 'nosuch'; its commands: demo, info, ps, read, dump, write, verify, erase, blank, status, protect, parts, board, probe, dt, completion, help\n$/);
    const sub = await runCli(['help', 'dt', 'frob']);
    expect(sub.stderr).toMatch(/hilbridge dt has no command 'frob'; its commands: compile, show/);
    expect((await runCli(['help'])).stdout).toMatch(/^Usage: hilbridge \[options\] \[command\]/);
  });

  test('--no-verify shows its default once; the environment variables are listed', async () => {
    for (const cmd of ['write', 'erase']) {
      const h = (await runCli(['help', cmd])).stdout.replace(/\s+/g, ' ');
      expect(h.match(/verify/g)?.length).toBeGreaterThan(0);
      expect(h).not.toMatch(/--verify\b/);
      expect(h).not.toMatch(/\(default: true\)/);
      expect(h).toMatch(/--no-verify skip the read-back \(by default every page written is read back and compared\)/);
      expect(h).not.toMatch(/default: false/);
    }
    const top = (await runCli(['--help'])).stdout;
    const env = top.slice(top.indexOf('Environment:'));
    // Every variable the program reads (they are the options' .env() and the board's default).
    const src = readFileSync(join(__dirname, '..', '..', 'src', 'cli', 'program.ts'), 'utf8');
    const used = new Set([...src.matchAll(/\.env\('([A-Z_]+)'\)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThanOrEqual(2);
    for (const v of used) expect(env).toMatch(new RegExp(`^  ${v} `, 'm'));
  });
});

test('--quiet prints data and errors only', async () => {
  const img = chip();
  const w = await runCli([...g(img), '--quiet', 'write', 'chip', '0', '--hex', '01']);
  expect(w.code).toBe(0);
  expect(w.stdout).toBe('');
  expect(w.stderr).toBe('');
  const r = await runCli([...g(img), '-q', 'read', 'chip', '0', '1']);
  expect(r.stdout).toMatch(/^0000 {2}01 /);
  const out = t.file('q.bin');
  const d = await runCli([...g(img), '-q', 'dump', 'chip', '--out', out]);
  expect(d.stdout + d.stderr).toBe('');
  const bad = await runCli([...g(img), '-q', 'read', 'chip', '0x2000', '1']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/past the end/);
});

describe('shell completion', () => {
  /** Completes `words` (the last one being typed) with the generated bash script; `hilbridge` on PATH is the built binary. */
  function complete(script: string, words: string[]): string[] {
    const bin = join(t.dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'hilbridge'), `#!/bin/sh\nexec '${process.execPath}' '${MAIN}' "$@"\n`);
    chmodSync(join(bin, 'hilbridge'), 0o755);
    writeFileSync(join(t.dir, 'completion.sh'), script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const line = `source completion.sh; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _hilbridge; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    delete env.HILBRIDGE_BOARD;
    const r = spawnSync('bash', ['-c', line], { cwd: t.dir, env, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean);
  }

  test('bash: commands, subcommands, options, choices, shipped boards, part names and the board\'s devices', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = r.stdout;
    expect(script).toMatch(/^complete -o filenames -F _hilbridge hilbridge$/m);
    expect(complete(script, ['hilbridge', 'bl'])).toEqual(['blank']);
    expect(complete(script, ['hilbridge', 'dt', ''])).toEqual(['compile', 'show']);
    expect(complete(script, ['hilbridge', 'write', 'eeprom0', '--f'])).toEqual(['--format', '--force']);
    expect(complete(script, ['hilbridge', 'read', 'eeprom0', '0', '16', '--format', ''])).toEqual(['hex', 'bin', 'json', 'ihex', 'srec']);
    expect(complete(script, ['hilbridge', '--board', 'rpi-at25', '--json', 'status', ''])).toEqual(['eeprom0']);
    expect(complete(script, ['hilbridge', 'read', ''])).toEqual(['eeprom0', 'eeprom2', 'eeprom3', 'eeprom1']);
    expect(complete(script, ['hilbridge', '--board', 'rpi-at2'])).toEqual(expect.arrayContaining(['rpi-at25', 'rpi-at25-at24']));
    expect(complete(script, ['hilbridge', 'board', 'new', '--part', 'AT24C0'])).toEqual(['AT24C01', 'AT24C02', 'AT24C04', 'AT24C08']);
    expect(complete(script, ['hilbridge', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  test('zsh: the same function through bashcompinit', async () => {
    const r = await runCli(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef hilbridge\n/);
    expect(r.stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit$/m);
    expect(r.stdout).toMatch(/^complete -o filenames -F _hilbridge hilbridge$/m);
    const zsh = spawnSync('zsh', ['-n'], { input: r.stdout });
    if (!zsh.error) expect(zsh.status).toBe(0); // zsh parses it where zsh is installed
    // The function itself is the bash one, which bash must accept too.
    const body = r.stdout.split('\n').filter((l) => !l.startsWith('autoload')).join('\n');
    expect(spawnSync('bash', ['-n'], { input: body }).status).toBe(0);
  });
});
