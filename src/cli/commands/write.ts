/**
 * `hilbridge write DEV OFFSET (--in FILE | --hex HEX)` (pages that already hold the data are left
 * alone unless `--force`; verified by default; `--dry-run` lists the pages it would touch) and
 * `hilbridge verify DEV --in FILE [--offset N]` (compares the chip with a file and reports the
 * first differences).
 */
import { protectedFrom } from '../../index';
import { EXIT, UsageError } from '../errors';
import { parseHexBytes, readFileOrFail } from '../files';
import { hex, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export interface WriteOptions {
  readonly in?: string | undefined;
  readonly hex?: string | undefined;
  readonly verify: boolean;
  readonly dryRun: boolean;
  readonly force?: boolean | undefined;
}

function inputBytes(o: { in?: string | undefined; hex?: string | undefined }): Uint8Array {
  if (o.in !== undefined && o.hex !== undefined) throw new UsageError('EINVAL', 'give either --in FILE or --hex HEX, not both');
  if (o.hex !== undefined) return parseHexBytes(o.hex);
  if (o.in === undefined) throw new UsageError('EINVAL', 'nothing to write: give --in FILE or --hex HEX');
  const data = readFileOrFail(o.in, 'input file');
  if (data.length === 0) throw new UsageError('EINVAL', `input file ${o.in} is empty; nothing to write`);
  return data;
}

interface PageSpan {
  readonly page: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
  readonly whole: boolean;
}

export function pageSpans(offset: number, length: number, pageSize: number): PageSpan[] {
  const out: PageSpan[] = [];
  for (let at = offset; at < offset + length; ) {
    const page = Math.floor(at / pageSize);
    const end = Math.min(offset + length, (page + 1) * pageSize);
    out.push({ page, from: at, to: end - 1, bytes: end - at, whole: end - at === pageSize });
    at = end;
  }
  return out;
}

export async function write(s: Session, device: string, offsetText: string, o: WriteOptions): Promise<CommandResult> {
  const offset = parseQuantity(offsetText, 'offset');
  const data = inputBytes(o);
  const ee = await s.eeprom(device);
  ee.checkRange(offset, data.length);
  const spans = pageSpans(offset, data.length, ee.pageSize);
  if (o.dryRun) {
    const st = await ee.status();
    const from = protectedFrom(ee.size, st.blocks);
    const blocked = offset + data.length > from || ee.readOnly;
    const lines = spans.map(
      (p) => `page ${p.page} [${hex(p.page * ee.pageSize, 4)}..${hex((p.page + 1) * ee.pageSize - 1, 4)}]: ${p.bytes} bytes at ${hex(p.from, 4)}..${hex(p.to, 4)}${p.whole ? '' : ' (part of the page)'}`,
    );
    const verdict = ee.readOnly
      ? `would be refused: the devicetree marks ${ee.name} read-only`
      : blocked
        ? `would be refused: the range overlaps block protection ${st.blocks} from ${hex(from)}; lift it with: hilbridge protect ${ee.name} --blocks none`
        : `dry run: nothing written; ${data.length} bytes would go to ${spans.length} page(s) of ${ee.name}${o.verify ? ', then be verified' : ''}`;
    return {
      data: { device: ee.name, offset, length: data.length, dryRun: true, pageSize: ee.pageSize, pages: spans, protectedFrom: from, refused: blocked },
      text: `${lines.join('\n')}\n${verdict}\n`,
    };
  }
  const t0 = performance.now();
  const r = await withProgress(s, `write ${ee.name}`, data.length, ee.pageSize, (onProgress) =>
    ee.write(offset, data, { verify: o.verify, skipUnchanged: o.force !== true, onProgress, signal: s.signal }),
  );
  const ms = performance.now() - t0;
  const skipped = r.pagesSkipped ? `, ${r.pagesSkipped} already held the data` : '';
  return {
    data: {
      device: ee.name,
      offset,
      length: data.length,
      pages: spans.length,
      pagesWritten: r.pagesWritten,
      pagesSkipped: r.pagesSkipped,
      verified: o.verify,
      elapsedMs: Number(ms.toFixed(3)),
    },
    text:
      `wrote ${data.length} bytes to ${ee.name} at ${hex(offset)}..${hex(offset + data.length - 1)}: ${r.pagesWritten} page(s) written${skipped}` +
      `${o.verify ? ', verified' : ', not verified (--no-verify)'} in ${ms.toFixed(0)} ms\n`,
  };
}

export async function verify(s: Session, device: string, o: { in?: string | undefined; offset?: string | undefined }): Promise<CommandResult> {
  if (o.in === undefined) throw new UsageError('EINVAL', 'verify needs --in FILE to compare the chip with');
  const offset = o.offset === undefined ? 0 : parseQuantity(o.offset, '--offset');
  const expected = readFileOrFail(o.in, 'input file');
  if (expected.length === 0) throw new UsageError('EINVAL', `input file ${o.in} is empty; there is nothing to compare`);
  const ee = await s.eeprom(device);
  ee.checkRange(offset, expected.length);
  const r = await withProgress(s, `verify ${ee.name}`, expected.length, ee.pageSize, (onProgress) => ee.verify(offset, expected, { onProgress, signal: s.signal }));
  const data = { device: ee.name, offset, length: expected.length, match: r.match, differences: r.differences, first: r.first };
  if (r.match) {
    return { data, text: `${ee.name} matches ${o.in}: ${expected.length} bytes at ${hex(offset)}..${hex(offset + expected.length - 1)}\n` };
  }
  const b = (n: number): string => hex(n, 2);
  const lines = r.first.map((d) => `  ${hex(d.offset, 4)}: file ${b(d.expected)}, chip ${b(d.actual)}`);
  const more = r.differences > r.first.length ? `\n  ... and ${r.differences - r.first.length} more` : '';
  return {
    data,
    text: `${ee.name} differs from ${o.in} in ${r.differences} of ${expected.length} bytes; first at ${hex(r.first[0]!.offset)}:\n${lines.join('\n')}${more}\n`,
    exitCode: EXIT.FAILED,
  };
}
