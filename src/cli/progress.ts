/**
 * Progress bars for long operations, on standard error and only when it is a terminal: scripts,
 * pipes and CI logs get nothing extra (nor does `--quiet`). Shows bytes done of total, rate and ETA
 * (cli-progress), fitted to the terminal's width: a narrow terminal gets a shorter bar, then fewer
 * fields, never a wrapped line.
 *
 * A bar clears its line when it stops, so the command's summary (or error) starts on a clean line,
 * and it draws nothing after that: `clearProgress()` stops the bar being drawn, which the Ctrl-C
 * message calls before it prints.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The bar being drawn, if any (one operation runs at a time). */
let active: { readonly bar: SingleBar; readonly stream: NodeJS.WriteStream; stopped: boolean } | undefined;

/** Stops the bar being drawn, if any, and clears its line; later updates draw nothing. */
export function clearProgress(): void {
  const a = active;
  if (!a || a.stopped) return;
  a.stopped = true;
  a.bar.stop(); // draws the last state, then clears the line (clearOnComplete)
  active = undefined;
}

/** Widest each field can get: "999.9 KiB" for sizes and "999.9 KiB/s" for the rate. */
const SIZE_WIDTH = 9;
const RATE_WIDTH = 11;
const ETA_WIDTH = 'ETA 00:00:00'.length;

/**
 * The bar's layout for a terminal `columns` wide: the full line with a bar of 10 to 30 cells,
 * else without the bar, else without rate and ETA, else the percentage alone. Widths are the
 * longest each field can get, so no redraw ever wraps.
 */
export function progressLayout(label: string, columns: number): { format: string; barsize: number } {
  const usable = columns - 1; // never the last column: some terminals wrap on it
  const stats = ` {percentage}% | {done}/{all} | {rate} | ETA {eta_formatted}`;
  const statsWidth = ' 100% | '.length + 2 * SIZE_WIDTH + 1 + ' | '.length + RATE_WIDTH + ' | '.length + ETA_WIDTH;
  const withBar = label.length + ' []'.length + statsWidth;
  if (usable >= withBar + 10) return { format: `{label} [{bar}]${stats}`, barsize: Math.min(30, usable - withBar) };
  if (usable >= label.length + statsWidth) return { format: `{label}${stats}`, barsize: 0 };
  const short = ` {percentage}% {done}/{all}`;
  if (usable >= label.length + ' 100% '.length + 2 * SIZE_WIDTH + 1) return { format: `{label}${short}`, barsize: 0 };
  return { format: '{percentage}%', barsize: 0 };
}

/**
 * A bar for `total` bytes labelled `label` ("write eeprom0"), or a no-op when standard error is not
 * a terminal, `quiet` is set, or the work is small (`total` below `minBytes`).
 */
export function startProgress(label: string, total: number, minBytes: number, o: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = o.stream ?? process.stderr;
  if (o.quiet || !stream.isTTY || total < minBytes) return NONE;
  clearProgress();
  const started = Date.now();
  const payload = (done: number): Record<string, string> => {
    const secs = (Date.now() - started) / 1000;
    return { label, done: bytes(done), all: bytes(total), rate: secs > 0 ? `${bytes(done / secs)}/s` : '-' };
  };
  const { format, barsize } = progressLayout(label, stream.columns || 80);
  const bar = new SingleBar({
    stream,
    format,
    barsize: Math.max(barsize, 1),
    hideCursor: false,
    clearOnComplete: true,
    etaBuffer: 20,
    fps: 10,
  });
  const me = { bar, stream, stopped: false };
  active = me;
  bar.start(total, 0, payload(0));
  return {
    update: (done) => {
      if (!me.stopped) bar.update(done, payload(done));
    },
    stop: () => {
      if (me.stopped) return;
      me.stopped = true;
      bar.stop();
      if (active === me) active = undefined;
    },
  };
}
