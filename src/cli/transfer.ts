/**
 * Long transfers the way every command runs them: a range checked against the device before any
 * bus traffic, a progress bar on a terminal, and Ctrl-C honoured between chunks. An interrupted
 * write reports how far it got and whether the chip's write-enable latch is clear.
 */
import type { EepromClient } from '../userdrivers/eeprom-service';
import { CommandError, EXIT } from './errors';
import { checkDeviceRange, hex } from './numbers';
import { startProgress } from './progress';
import type { Session } from './session';

/** Progress bars appear for work of more than this many pages. */
const PROGRESS_MIN_PAGES = 4;
/** Reads are chunked this finely so the bar moves and Ctrl-C is honoured. */
const READ_CHUNK = 1024;

export async function readRange(s: Session, ee: EepromClient, offset: number, length: number, label: string): Promise<Uint8Array> {
  checkDeviceRange(ee.name, ee.size(), offset, length);
  const bar = startProgress(label, length, ee.pageSize() * PROGRESS_MIN_PAGES);
  const out = new Uint8Array(length);
  try {
    for (let done = 0; done < length; ) {
      if (s.signal.aborted) {
        throw new CommandError('ECANCELED', `${ee.name}: interrupted after reading ${done} of ${length} bytes; nothing was changed`, EXIT.INTERRUPTED, {
          done,
          total: length,
        });
      }
      const n = Math.min(READ_CHUNK, length - done);
      out.set(await ee.read(offset + done, n), done);
      done += n;
      bar.update(done);
    }
  } finally {
    bar.stop();
  }
  return out;
}

export type WriteKind = 'write' | 'erase';

/**
 * Runs a write or erase of [offset, offset + length) one page at a time: `step(at, n)` writes the
 * page-bounded piece [at, at + n). The CLI goes page by page (not in the library's multi-page
 * chunks) so that Ctrl-C stops after the page in flight; the abort becomes a CommandError (exit
 * 130) saying how far it got and whether the write-enable latch is clear.
 */
export async function writeRange(
  s: Session,
  ee: EepromClient,
  kind: WriteKind,
  offset: number,
  length: number,
  step: (at: number, n: number) => Promise<void>,
): Promise<void> {
  checkDeviceRange(ee.name, ee.size(), offset, length);
  const page = ee.pageSize();
  const bar = startProgress(`${kind} ${ee.name}`, length, page * PROGRESS_MIN_PAGES);
  let done = 0;
  try {
    while (done < length) {
      if (s.signal.aborted) break;
      const at = offset + done;
      const n = Math.min(length - done, page - (at % page));
      await step(at, n);
      done += n;
      bar.update(done);
    }
  } finally {
    bar.stop();
  }
  if (done === length) return;
  const st = await ee.status().catch(() => undefined);
  const latch = st?.wel === undefined ? 'unknown' : st.wel ? 'SET (unexpected)' : 'clear';
  const range = done > 0 ? ` [${hex(offset)}..${hex(offset + done - 1)}]` : '';
  throw new CommandError(
    'ECANCELED',
    `${ee.name}: ${kind} interrupted: ${done} of ${length} bytes done${range}, whole pages only; ` +
      `the rest from ${hex(offset + done)} is unchanged; write-enable latch ${latch}. Run the same command again to finish`,
    EXIT.INTERRUPTED,
    { done, total: length, offset, resumeAt: offset + done, latch: st?.wel === undefined ? null : st.wel },
  );
}
