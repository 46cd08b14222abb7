/**
 * `hilbridge erase DEV [OFFSET [LENGTH]] [--fill BYTE]` (fill a range; default: all of it with
 * 0xff) and `hilbridge blank DEV [OFFSET [LENGTH]]` (is it all 0xff? exit 1 if not). OFFSET and
 * LENGTH are taken as by `read`; `--offset`/`--length` are the older spellings of the same.
 */
import { pages } from './write';
import { EXIT } from '../errors';
import { argOrOption, hex, parseByte } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export interface RangeArgs {
  readonly offset?: string | undefined;
  readonly length?: string | undefined;
}

export interface EraseOptions extends RangeArgs {
  readonly fill?: string | undefined;
  readonly verify: boolean;
  readonly force?: boolean | undefined;
}

function rangeText(offset: number, length: number): string {
  return length ? `${hex(offset)}..${hex(offset + length - 1)}` : `(empty range at ${hex(offset)})`;
}

export async function erase(s: Session, device: string, offsetText: string | undefined, lengthText: string | undefined, o: EraseOptions): Promise<CommandResult> {
  const offset = argOrOption(offsetText, o.offset, 'offset') ?? 0;
  const givenLength = argOrOption(lengthText, o.length, 'length');
  const fill = o.fill === undefined ? 0xff : parseByte(o.fill, '--fill');
  const dev = s.device(device);
  const ee = await s.eeprom(dev.name);
  ee.checkRange(offset, 0);
  const length = givenLength ?? ee.size - offset;
  ee.checkRange(offset, length);
  await s.confirm(dev, `set ${length} bytes at ${rangeText(offset, length)} to ${hex(fill, 2)}`);
  const t0 = performance.now();
  const r = await withProgress(s, `erase ${ee.name}`, length, ee.pageSize, (onProgress) =>
    ee.erase(offset, length, fill, { verify: o.verify, skipUnchanged: o.force !== true, onProgress, signal: s.signal }),
  );
  const ms = performance.now() - t0;
  return {
    data: { device: ee.name, offset, length, fill, verified: o.verify, pagesWritten: r.pagesWritten, pagesSkipped: r.pagesSkipped, elapsedMs: Number(ms.toFixed(3)) },
    summary:
      `erased ${ee.name} ${rangeText(offset, length)}: ${length} bytes set to ${hex(fill, 2)}${o.verify ? ', verified' : ''}; ` +
      `${pages(r.pagesWritten)} written${r.pagesSkipped ? `, ${pages(r.pagesSkipped)} already held ${hex(fill, 2)}` : ''}; ${ms.toFixed(0)} ms\n`,
  };
}

export async function blank(s: Session, device: string, offsetText: string | undefined, lengthText: string | undefined, o: RangeArgs): Promise<CommandResult> {
  const offset = argOrOption(offsetText, o.offset, 'offset') ?? 0;
  const givenLength = argOrOption(lengthText, o.length, 'length');
  const ee = await s.eeprom(device);
  ee.checkRange(offset, 0);
  const length = givenLength ?? ee.size - offset;
  ee.checkRange(offset, length);
  const r = await withProgress(s, `blank ${ee.name}`, length, ee.pageSize, (onProgress) => ee.blank(offset, length, { onProgress, signal: s.signal }));
  const data = { device: ee.name, offset, length, blank: r.blank, nonBlank: r.nonBlank, firstNonBlank: r.firstNonBlank ?? null };
  if (r.blank) return { data, text: `${ee.name} ${rangeText(offset, length)} is blank: all ${length} bytes are 0xff\n` };
  return {
    data,
    text: `${ee.name} ${rangeText(offset, length)} is not blank: ${r.nonBlank} of ${length} bytes are not 0xff, the first at ${hex(r.firstNonBlank!)}\n`,
    exitCode: EXIT.FAILED,
  };
}
