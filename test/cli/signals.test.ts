/**
 * SIGTERM and SIGHUP during a long `write` or `erase` behave like Ctrl-C (interactive.test.ts):
 * the built binary stops after the page in flight, says how far it got and that the write-enable
 * latch is clear, and exits 128 + the signal's number; the image holds whole pages only. A signal
 * that arrives before any device operation runs ends the process at once with the same code and
 * a line saying so. (`npm run reliability -- signals` repeats this at random moments.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockBoard, ROOT, runCli, tempDir } from './run-cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('hilbridge-signals-');
});
afterAll(() => t.cleanup());

const PAGE = 64;
const SIZE = 32768;
const SIGNO = { SIGTERM: 15, SIGHUP: 1 } as const;
// 512 pages at 5 ms each: seconds of work, interrupted once the first page has landed.
const slowBoard = (): string => t.file('slow.dts', mockBoard({ size: SIZE, pageSize: PAGE, writeCycleUs: 5000 }));
const data = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + 1) % 255)); // never 0xff

/** Sends `sig` once the image's first byte is no longer `erased`: a page has been written. */
function signalWhenWritten(img: string, erased: number, sig: NodeJS.Signals): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      let first: number | undefined;
      try {
        first = readFileSync(img)[0];
      } catch {
        return;
      }
      if (first !== undefined && first !== erased) {
        clearInterval(timer);
        child.kill(sig);
      }
    }, 5);
    child.on('exit', () => clearInterval(timer));
  };
}

describe.each(['SIGTERM', 'SIGHUP'] as const)('%s', (sig) => {
  test(`during write: stops after the page in flight, reports progress with the latch clear, exits ${128 + SIGNO[sig]}`, async () => {
    const board = slowBoard();
    const img = t.file(`w-${sig}.bin`);
    const input = t.file('data.bin', data);
    const r = await runCli(['--json', '--board', board, '--image', `chip=${img}`, 'write', 'chip', '0', '--in', input], {
      onSpawn: signalWhenWritten(img, 0xff, sig),
    });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 128 + SIGNO[sig], signal: null });
    expect(r.stderr).toContain(`hilbridge: ${sig}: stopping after the page in flight`);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; done: number; total: number; resumeAt: number; latch: boolean } }).error;
    expect(err).toMatchObject({ code: 'ECANCELED', total: SIZE, latch: false });
    expect(err.done).toBeGreaterThan(0);
    expect(err.done).toBeLessThan(SIZE);
    expect(err.done % PAGE).toBe(0);
    expect(err.message).toMatch(new RegExp(`write interrupted: ${err.done} of ${SIZE} bytes done .*write-enable latch clear`));
    const image = readFileSync(img);
    expect(image.subarray(0, err.done)).toEqual(data.subarray(0, err.done));
    expect(image.subarray(err.done).every((b) => b === 0xff)).toBe(true);
  }, 60_000);

  test(`during erase: the same, in text`, async () => {
    const board = slowBoard();
    const img = t.file(`e-${sig}.bin`, Buffer.alloc(SIZE, 0x00));
    const r = await runCli(['--board', board, '--image', `chip=${img}`, 'erase', 'chip'], { onSpawn: signalWhenWritten(img, 0x00, sig) });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 128 + SIGNO[sig], signal: null });
    const m = new RegExp(
      `hilbridge: ECANCELED: chip: erase interrupted: (\\d+) of ${SIZE} bytes done \\[0x0\\.\\.0x[0-9a-f]+\\], whole pages only; the rest from 0x[0-9a-f]+ is unchanged; write-enable latch clear`,
    ).exec(r.stderr);
    expect(m).not.toBeNull();
    const done = Number(m![1]);
    expect(done % PAGE).toBe(0);
    const image = readFileSync(img);
    expect(image.subarray(0, done).every((b) => b === 0xff)).toBe(true);
    expect(image.subarray(done).every((b) => b === 0x00)).toBe(true);
  }, 60_000);
});

test('a second signal quits at once, still with 128 + its number', async () => {
  const board = slowBoard();
  const img = t.file('twice.bin');
  const input = t.file('data2.bin', data);
  let sent = 0;
  const r = await runCli(['--board', board, '--image', `chip=${img}`, 'write', 'chip', '0', '--in', input], {
    onSpawn: signalWhenWritten(img, 0xff, 'SIGTERM'),
    onStderr: (text, child) => {
      if (sent === 0 && text.includes('stopping after the page in flight')) {
        sent++;
        child.kill('SIGHUP');
      }
    },
  });
  expect(r.code).toBe(129);
  expect(r.stderr).toContain('hilbridge: SIGHUP again; exiting without waiting for the page in flight');
  // Even so, the image holds whole pages: new data, then untouched ones.
  const image = readFileSync(img);
  let p = 0;
  while (p < SIZE / PAGE && image.subarray(p * PAGE, (p + 1) * PAGE).equals(data.subarray(p * PAGE, (p + 1) * PAGE))) p++;
  expect(image.subarray(p * PAGE).every((b) => b === 0xff)).toBe(true);
}, 60_000);

test('a signal before any device operation runs ends the process with 128 + its number and a line', async () => {
  // The process-wide handler main.ts installs first (signals.ts), in a process that has loaded it
  // and claimed nothing; a claim (a session) silences it until released.
  const script = `
    const s = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'signals.js'))});
    s.installSignalHandlers();
    const release = s.claimSignals();
    process.once('SIGHUP', () => { process.stderr.write('claimed: ignored by the process-wide handler\\n'); release(); process.stderr.write('ready again\\n'); });
    process.stderr.write('ready\\n');
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (err === 'ready\n') child.kill('SIGHUP');
    if (err.endsWith('ready again\n')) child.kill('SIGTERM');
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  expect({ code, signal }).toEqual({ code: 143, signal: null });
  expect(err).toBe('ready\nclaimed: ignored by the process-wide handler\nready again\nhilbridge: SIGTERM: exiting (no device operation was running)\n');
}, 30_000);
