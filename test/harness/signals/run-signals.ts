/**
 * Signals at random moments: SIGTERM, SIGHUP and SIGINT sent to the built CLI during `write` and
 * `erase` (on `--image` files), at any moment from process start to the end of the work. The
 * deterministic cases are test/cli/signals.test.ts; this repeats them where the signal lands by
 * chance: during start-up, boot, a page write, a verify read, shutdown.
 *
 * Whatever the moment, the outcome is one of:
 * - the command had finished: exit 0, all the work done;
 * - the signal came before Node ran any of hilbridge (death by the signal, nothing touched);
 * - it came before any device operation: exit 128+N and a line saying so, nothing touched;
 * - it came during the work: exit 128+N, a report of how far it got (whole pages, from the start
 *   offset, ending on a page boundary unless the work was done) with the write-enable latch clear;
 *   the image holds the new data exactly up to there and the old data after.
 * In every case the next run reads the image.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli-process';
import { mockBoardDts } from '../../helpers/dts-board';
import { Prng } from '../lib/prng';
import { runLog } from '../lib/violations';

export interface SignalOptions {
  readonly seed: number;
  readonly signals: number;
  readonly log?: (line: string) => void;
}

export interface SignalResult {
  readonly seed: number;
  readonly sent: number;
  /** Where the signal landed, as the process reported it. */
  readonly outcomes: { readonly finished: number; readonly beforeNode: number; readonly beforeWork: number; readonly duringWork: number };
  readonly bySignal: Readonly<Record<string, number>>;
  readonly pagesChecked: number;
  readonly bytesLost: number;
  readonly elapsedMs: number;
  readonly violations: readonly string[];
}

const SIGNO: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
const SIZE = 16384;
const PAGE = 64;

const BOARD = mockBoardDts({
  model: 'signal harness board',
  spi: { parts: [{ label: 'chip', reg: 0, spiMaxHz: 5_000_000, size: SIZE, pageSize: PAGE, addressWidth: 16, writeCycleUs: 3000 }] },
  threads: [{ serves: 'chip' }],
});

export async function runSignals(opts: SignalOptions): Promise<SignalResult> {
  const t0 = performance.now();
  const { log, violations, violate } = runLog(opts.log);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-signals-'));
  const board = join(dir, 'board.dts');
  writeFileSync(board, BOARD);
  const img = join(dir, 'chip.bin');
  const outcomes = { finished: 0, beforeNode: 0, beforeWork: 0, duringWork: 0 };
  const bySignal: Record<string, number> = {};
  let pagesChecked = 0;
  let bytesLost = 0;
  try {
    const g = ['--board', board, '--image', `chip=${img}`];
    // Start-up, and a quarter of the chip's worth of work, timed (the rest is scaled from it).
    const st = await runCli([...g, 'status', 'chip']);
    if (st.code !== 0) throw new Error(`calibration status failed: ${st.stderr}`);
    const startupMs = st.ms;
    const warm = await runCli([...g, 'erase', 'chip', '--length', String(SIZE / 4), '--fill', '0']);
    if (warm.code !== 0) throw new Error(`calibration erase failed: ${warm.stderr}`);
    const workMs = Math.max(100, (warm.ms - startupMs) * 4);
    for (let i = 0; i < opts.signals; i++) {
      const rng = new Prng(opts.seed, 5, i);
      const sig = rng.pick(['SIGTERM', 'SIGHUP', 'SIGINT'] as const);
      bySignal[sig] = (bySignal[sig] ?? 0) + 1;
      const old = readFileSync(img);
      const offset = rng.int(0, SIZE / PAGE - 1) * PAGE + (rng.chance(0.3) ? rng.int(1, PAGE - 1) : 0);
      const len = rng.int(1, SIZE - offset);
      const isWrite = rng.chance(0.6);
      let args: string[];
      const expected = Buffer.from(old);
      if (isWrite) {
        const data = Buffer.from(Uint8Array.from(old.subarray(offset, offset + len), (b) => b ^ rng.int(1, 255)));
        const input = join(dir, 'in.bin');
        writeFileSync(input, data);
        data.copy(expected, offset);
        args = ['--json', ...g, 'write', 'chip', String(offset), '--in', input, '--force'];
      } else {
        const fill = (old[offset]! ^ 0xff) & 0xff;
        expected.fill(fill, offset, offset + len);
        args = ['--json', ...g, 'erase', 'chip', '--offset', String(offset), '--length', String(len), '--fill', String(fill), '--force'];
      }
      // From process start to a little past the end of the work.
      const afterMs = rng.int(0, Math.round(startupMs + (workMs * 1.1 * len) / SIZE));
      const r = await runCli(args, { kill: { signal: sig, afterMs } });
      const what = `signal ${i}: ${sig} after ${afterMs} ms of ${isWrite ? 'write' : 'erase'} [${offset}, +${len})`;
      const image = readFileSync(img);
      let done: number | undefined;
      if (r.code === 0) {
        outcomes.finished++;
        done = len;
      } else if (r.signal === sig) {
        outcomes.beforeNode++;
        done = 0;
      } else if (r.code === 128 + SIGNO[sig]!) {
        let err: { code?: string; message?: string; done?: number; total?: number; latch?: boolean | null } = {};
        try {
          err = (JSON.parse(r.stdout) as { error: typeof err }).error;
        } catch {
          /* a line on standard error instead (before any device operation) */
        }
        if (/exiting \(no device operation was running\)/.test(r.stderr) || /arrived while the board was starting/.test(err.message ?? '')) {
          outcomes.beforeWork++;
          done = 0;
        } else if (err.code === 'ECANCELED' && typeof err.done === 'number') {
          outcomes.duringWork++;
          done = err.done;
          if (err.total !== len) violate(`${what}: reported total ${String(err.total)}`);
          if (err.latch !== false) violate(`${what}: write-enable latch reported ${String(err.latch)}, not clear`);
          if (done > 0 && done < len && (offset + done) % PAGE !== 0) violate(`${what}: stopped at ${offset + done}, not on a page boundary`);
          if (!new RegExp(`${sig === 'SIGINT' ? 'interrupt' : sig}: stopping after the page in flight`).test(r.stderr)) violate(`${what}: no "stopping after the page in flight" line`);
        } else {
          violate(`${what}: exit ${String(r.code)} without a report: ${r.stdout.trim()} ${r.stderr.trim()}`);
        }
      } else {
        violate(`${what}: exit ${String(r.code)} / signal ${String(r.signal)}: ${r.stderr.trim()}`);
      }
      if (done !== undefined) {
        const want = Buffer.from(old);
        expected.copy(want, offset, offset, offset + done);
        for (let at = 0; at < SIZE; at += PAGE) {
          pagesChecked++;
          if (!image.subarray(at, at + PAGE).equals(want.subarray(at, at + PAGE))) {
            bytesLost += PAGE;
            violate(`${what}: page ${at / PAGE} does not hold what the report says (done ${done})`);
          }
        }
      }
      const again = await runCli([...g, 'status', 'chip']);
      if (again.code !== 0 || !/write-enable latch clear/.test(again.stdout)) violate(`${what}: the next run: ${again.stdout.trim()} ${again.stderr.trim()}`);
      if (i % 10 === 9) log(`signals: ${i + 1}/${opts.signals}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { seed: opts.seed, sent: opts.signals, outcomes, bySignal, pagesChecked, bytesLost, elapsedMs: Math.round(performance.now() - t0), violations };
}
