/**
 * What a person at a terminal sees: the progress bar on a pseudo-terminal and not on a pipe, and
 * Ctrl-C (SIGINT) in the middle of a long write or erase: it stops after the page in flight,
 * reports how far it got with the latch clear, exits 130, and the image holds whole pages only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { progressLayout } from '../../src/cli/progress';
import { drawnSegments, havePty, runOnPty, visibleLines } from './pty';
import { MAIN, mockBoard, runCli, tempDir } from './run-cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `args` with a pseudo-terminal on stdin/stdout/stderr (util-linux `script`); returns what the terminal showed. */
function onPty(args: readonly string[]): string {
  const quoted = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const env = { ...process.env };
  delete env.HILBRIDGE_BOARD;
  return execFileSync('script', ['-qfec', quoted, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env });
}

const describePty = hasScript() ? describe : describe.skip;

describePty('progress bar', () => {
  test('shown on a terminal with bytes, rate and ETA; absent on a pipe', async () => {
    const board = t.file('fast.dts', mockBoard({ size: 4096, pageSize: 32, writeCycleUs: 100 }));
    const data = t.file('2k.bin', Buffer.alloc(2048, 0x5a));
    const img = t.file('p.bin');
    const args = ['--board', board, '--image', `chip=${img}`, 'write', 'chip', '0', '--in', data];
    const screen = onPty(args);
    expect(screen).toMatch(/write chip \[[^\]]*\] \d+% \| [\d.]+ (B|KiB)\/2\.0 KiB \| (-|[\d.]+ (B|KiB|MiB)\/s) \| ETA /);
    expect(screen).toMatch(/100% \| 2\.0 KiB\/2\.0 KiB/);
    expect(screen).toMatch(/wrote 2048 bytes to chip/);

    const piped = await runCli(args);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    // The same bytes again: every page already holds them, so none is rewritten.
    expect(piped.stdout).toMatch(/^wrote 2048 bytes to chip at 0x0\.\.0x7ff: 0 pages written, 64 pages already held the data, verified in \d+ ms\n$/);
  });

  test('small operations show no bar even on a terminal', () => {
    const screen = onPty(['read', 'eeprom0', '0', '16']);
    expect(screen).not.toMatch(/ETA/);
    expect(screen).toMatch(/^0000 {2}ff ff/m);
  });
});

(havePty ? describe : describe.skip)('progress bar on a real terminal', () => {
  const slow = (): string => t.file('slow-pty.dts', mockBoard({ size: 32768, pageSize: 64, writeCycleUs: 5000 }));

  test('Ctrl-C: the bar is cleared before the message, and nothing is drawn over it afterwards', async () => {
    const data = t.file('pty-data.bin', Buffer.alloc(32768, 0x3c));
    const img = t.file('pty-int.bin');
    const r = await runOnPty(['--board', slow(), '--image', `chip=${img}`, 'write', 'chip', '0', '--in', data], {
      steps: [{ waitFor: String.raw`write chip \[.*ETA`, send: '\x03' }],
    });
    expect(r.status).toBe(130);
    const at = r.screen.indexOf('hilbridge: interrupt: stopping after the page in flight');
    expect(at).toBeGreaterThan(0);
    // The last thing before the message (and its leading newline) clears the bar's line.
    expect(r.screen.slice(0, at).replace(/\r?\n$/, '')).toMatch(/\x1b\[2K$|\x1b\[0?K$/);
    // After it: the message, the interrupted error; no bar.
    expect(r.screen.slice(at)).not.toMatch(/ETA|\d+% \|/);
    const lines = visibleLines(r.screen).filter((l) => l.trim() !== '');
    expect(lines.some((l) => /write chip \[/.test(l))).toBe(false); // cleared, not left behind
    expect(lines.at(-1)).toMatch(/^hilbridge: ECANCELED: chip: write interrupted: \d+ of 32768 bytes done/);
  }, 60_000);

  test.each([30, 40, 60, 80, 120])('a terminal %i columns wide: every redraw fits on one line', async (cols) => {
    const data = t.file(`pty-${cols}.bin`, Buffer.alloc(4096, cols));
    const img = t.file(`pty-${cols}-img.bin`);
    const board = t.file('fast-pty.dts', mockBoard({ size: 4096, pageSize: 32, writeCycleUs: 100 }));
    const r = await runOnPty(['--board', board, '--image', `chip=${img}`, 'write', 'chip', '0', '--in', data], { cols });
    expect(r.status).toBe(0);
    const bar = drawnSegments(r.screen).filter((seg) => /\d+%/.test(seg));
    expect(bar.length).toBeGreaterThan(0);
    for (const seg of bar) expect(seg.length).toBeLessThan(cols);
    expect(visibleLines(r.screen).join('\n')).toMatch(/wrote 4096 bytes to chip/);
  }, 60_000);
});

test('progressLayout drops the bar, then the rate and ETA, then all but the percentage as the terminal narrows', () => {
  const label = 'write eeprom0';
  expect(progressLayout(label, 120)).toEqual({ format: expect.stringMatching(/^\{label\} \[\{bar\}\] \{percentage\}% \| .* \| ETA \{eta_formatted\}$/), barsize: 30 });
  expect(progressLayout(label, 90).barsize).toBeLessThan(30);
  expect(progressLayout(label, 75).format).not.toMatch(/\{bar\}/);
  expect(progressLayout(label, 75).format).toMatch(/ETA/);
  expect(progressLayout(label, 40).format).toBe('{label} {percentage}% {done}/{all}');
  expect(progressLayout(label, 20).format).toBe('{percentage}%');
});

/** Interrupts the child once the image shows the first written page. */
function interruptWhenWritten(img: string, erased: number): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(img);
      } catch {
        return;
      }
      if (bytes.length > 0 && bytes[0] !== erased) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 5);
    child.on('exit', () => clearInterval(timer));
  };
}

describe('Ctrl-C during a long write', () => {
  const PAGE = 64;
  const SIZE = 32768;
  // 512 pages at 5 ms each: about 2.5 s of writing, interrupted after the first page lands.
  const slowBoard = (): string => t.file('slow.dts', mockBoard({ size: SIZE, pageSize: PAGE, writeCycleUs: 5000 }));
  const data = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + 1) % 255)); // never 0xff

  test('stops after the page in flight, reports progress with the latch clear, exits 130; the image holds whole pages', async () => {
    const board = slowBoard();
    const img = t.file('int-write.bin');
    const input = t.file('data.bin', data);
    const r = await runCli(['--json', '--board', board, '--image', `chip=${img}`, 'write', 'chip', '0', '--in', input], {
      onSpawn: interruptWhenWritten(img, 0xff),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupt: stopping after the page in flight/);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; done: number; total: number; resumeAt: number; latch: boolean } }).error;
    expect(err).toMatchObject({ code: 'ECANCELED', total: SIZE, latch: false });
    expect(err.done).toBeGreaterThan(0);
    expect(err.done).toBeLessThan(SIZE);
    expect(err.done % PAGE).toBe(0);
    expect(err.resumeAt).toBe(err.done);
    expect(err.message).toMatch(new RegExp(`write interrupted: ${err.done} of ${SIZE} bytes done .*write-enable latch clear`));

    const image = readFileSync(img);
    expect(image.subarray(0, err.done)).toEqual(data.subarray(0, err.done));
    expect(image.subarray(err.done).every((b) => b === 0xff)).toBe(true);

    // A new process sees exactly that much, and resuming where it stopped completes the chip.
    const v = await runCli(['--board', board, '--image', `chip=${img}`, 'verify', 'chip', '--in', input]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`in ${SIZE - err.done} of ${SIZE} bytes; first at 0x${err.done.toString(16)}`);
  }, 60_000);

  test('erase is interrupted the same way (text report)', async () => {
    const board = slowBoard();
    const img = t.file('int-erase.bin', Buffer.alloc(SIZE, 0x00));
    const r = await runCli(['--board', board, '--image', `chip=${img}`, 'erase', 'chip'], { onSpawn: interruptWhenWritten(img, 0x00) });
    expect(r.code).toBe(130);
    const m = /hilbridge: ECANCELED: chip: erase interrupted: (\d+) of 32768 bytes done \[0x0\.\.0x[0-9a-f]+\], whole pages only; the rest from 0x[0-9a-f]+ is unchanged; write-enable latch clear/.exec(r.stderr);
    expect(m).not.toBeNull();
    const done = Number(m![1]);
    expect(done % PAGE).toBe(0);
    const image = readFileSync(img);
    expect(image.subarray(0, done).every((b) => b === 0xff)).toBe(true);
    expect(image.subarray(done).every((b) => b === 0x00)).toBe(true);
  }, 60_000);
});
