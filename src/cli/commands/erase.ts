/** `hilbridge erase DEV [--offset N --length N] [--fill BYTE]`: fill a range (default: all, 0xff). */
import { hex, parseByte, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export interface EraseOptions {
  readonly offset?: string | undefined;
  readonly length?: string | undefined;
  readonly fill?: string | undefined;
  readonly verify: boolean;
  readonly force?: boolean | undefined;
}

export async function erase(s: Session, device: string, o: EraseOptions): Promise<CommandResult> {
  const offset = o.offset === undefined ? 0 : parseQuantity(o.offset, '--offset');
  const fill = o.fill === undefined ? 0xff : parseByte(o.fill, '--fill');
  const ee = await s.eeprom(device);
  ee.checkRange(offset, 0);
  const length = o.length === undefined ? ee.size - offset : parseQuantity(o.length, '--length');
  ee.checkRange(offset, length);
  const t0 = performance.now();
  const r = await withProgress(s, `erase ${ee.name}`, length, ee.pageSize, (onProgress) =>
    ee.erase(offset, length, fill, { verify: o.verify, skipUnchanged: o.force !== true, onProgress, signal: s.signal }),
  );
  const ms = performance.now() - t0;
  const range = length ? `${hex(offset)}..${hex(offset + length - 1)}` : `(empty range at ${hex(offset)})`;
  return {
    data: { device: ee.name, offset, length, fill, verified: o.verify, pagesWritten: r.pagesWritten, pagesSkipped: r.pagesSkipped, elapsedMs: Number(ms.toFixed(3)) },
    text:
      `erased ${ee.name} ${range}: ${length} bytes set to ${hex(fill, 2)}${o.verify ? ', verified' : ''}; ` +
      `${r.pagesWritten} page(s) written, ${r.pagesSkipped} already erased; ${ms.toFixed(0)} ms\n`,
  };
}
