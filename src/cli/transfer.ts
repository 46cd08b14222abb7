/**
 * Long operations the way every command runs them: the library does the work in whole ranges and
 * reports progress, this draws the bar (on a terminal) and turns an interrupted write or erase
 * into the command's error: how far it got, that the rest is unchanged, the write-enable latch,
 * and an exit code of 128 + the signal.
 */
import { InterruptedError, type Progress } from '../index';
import { CommandError } from './errors';
import { startProgress } from './progress';
import type { Session } from './session';

/** Progress bars appear for work of at least this many pages. */
const PROGRESS_MIN_PAGES = 4;

export async function withProgress<T>(
  s: Session,
  label: string,
  total: number,
  pageSize: number,
  run: (onProgress: (p: Progress) => void) => Promise<T>,
): Promise<T> {
  const bar = startProgress(label, total, pageSize * PROGRESS_MIN_PAGES, { quiet: s.options.quiet });
  try {
    return await run((p) => bar.update(p.done));
  } catch (e) {
    bar.stop();
    if (e instanceof InterruptedError) {
      const again = e.done > 0 && e.done < e.total ? '. Run the same command again to finish' : '';
      throw new CommandError('ECANCELED', `${e.message}${again}`, s.interruptedExit, {
        done: e.done,
        total: e.total,
        resumeAt: e.resumeAt,
        latch: e.latch === undefined ? null : e.latch,
      });
    }
    throw e;
  } finally {
    bar.stop();
  }
}
