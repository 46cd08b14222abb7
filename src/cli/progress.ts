/**
 * Progress bars for long operations, on standard error and only when it is a terminal: scripts,
 * pipes and CI logs get nothing extra. Shows bytes done of total, rate and ETA (cli-progress).
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

/**
 * A bar for `total` bytes labelled `label` ("write eeprom0"), or a no-op when standard error is not
 * a terminal or the work is small (`total` below `minBytes`).
 */
export function startProgress(label: string, total: number, minBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total < minBytes) return NONE;
  const started = Date.now();
  const payload = (done: number): Record<string, string> => {
    const secs = (Date.now() - started) / 1000;
    return { label, done: bytes(done), all: bytes(total), rate: secs > 0 ? `${bytes(done / secs)}/s` : '-' };
  };
  const bar = new SingleBar({
    stream,
    format: '{label} [{bar}] {percentage}% | {done}/{all} | {rate} | ETA {eta_formatted}',
    barsize: 30,
    hideCursor: false,
    etaBuffer: 20,
    fps: 10,
  });
  bar.start(total, 0, payload(0));
  return {
    update: (done) => bar.update(done, payload(done)),
    stop: () => bar.stop(),
  };
}
