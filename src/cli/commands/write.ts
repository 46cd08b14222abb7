/**
 * `hilbridge write DEV [OFFSET] (--in FILE | --hex HEX)` and `hilbridge verify DEV [OFFSET] --in FILE`.
 *
 * The input is raw binary, Intel HEX or an S-record file (by content, or `--format`); OFFSET places
 * it as images.ts says. A sparse file writes only the ranges it covers. Pages that already hold
 * the data are left alone unless `--force`; every page written is read back unless `--no-verify`;
 * `--dry-run` lists the pages per range and writes nothing. On a real chip the write is confirmed
 * first (a question on a terminal, `--yes` otherwise). `verify` compares the bytes the file
 * defines and reports the first differences (exit 1 if any).
 */
import { imageBounds, protectedFrom, type SparseImage } from '../../index';
import { EXIT } from '../errors';
import { describeExtent, type ImageInput, type InputFormat, readImageInput } from '../images';
import { argOrOption, hex } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export interface WriteOptions {
  readonly in?: string | undefined;
  readonly hex?: string | undefined;
  readonly format?: InputFormat | undefined;
  /** `--offset`, the older spelling of the OFFSET argument. */
  readonly offset?: string | undefined;
  readonly verify: boolean;
  readonly dryRun: boolean;
  readonly force?: boolean | undefined;
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

/** "1 page" / "3 pages" */
export function pages(n: number): string {
  return `${n} page${n === 1 ? '' : 's'}`;
}

function rangeText(from: number, length: number): string {
  return `${hex(from)}..${hex(from + length - 1)}`;
}

/** The ranges of an image as "0x0..0xf, 0x100..0x10f" (the first few). */
function rangesText(image: SparseImage): string {
  const shown = image.segments.slice(0, 4).map((s) => rangeText(s.address, s.data.length));
  return image.segments.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** " from part.hex (Intel HEX)" for a file with addresses; nothing for raw bytes, whose range says it all. */
function fromFile(input: ImageInput): string {
  return input.format === 'bin' ? '' : ` from ${input.source} (${input.format === 'ihex' ? 'Intel HEX' : 'S-record'})`;
}

async function dryRun(s: Session, deviceName: string, input: ImageInput, o: WriteOptions): Promise<CommandResult> {
  const ee = await s.eeprom(deviceName);
  const { image } = input;
  // The library refuses what does not fit; a dry run says so the same way, before listing anything.
  ee.checkImage(image, input.source);
  const st = await ee.status();
  const from = protectedFrom(ee.size, st.blocks);
  const end = imageBounds(image).end;
  const blocked = end > from || ee.readOnly;
  const bySegment = image.segments.map((seg) => ({ offset: seg.address, length: seg.data.length, pages: pageSpans(seg.address, seg.data.length, ee.pageSize) }));
  const line = (p: PageSpan): string =>
    `page ${p.page} [${hex(p.page * ee.pageSize, 4)}..${hex((p.page + 1) * ee.pageSize - 1, 4)}]: ${p.bytes} bytes at ${hex(p.from, 4)}..${hex(p.to, 4)}${p.whole ? '' : ' (part of the page)'}`;
  const lines: string[] = [];
  for (const [i, seg] of bySegment.entries()) {
    if (bySegment.length > 1) lines.push(`range ${i + 1} of ${bySegment.length}: ${seg.length} bytes at ${hex(seg.offset, 4)}..${hex(seg.offset + seg.length - 1, 4)}`);
    for (const p of seg.pages) lines.push(`${bySegment.length > 1 ? '  ' : ''}${line(p)}`);
  }
  const total = bySegment.reduce((n, seg) => n + seg.pages.length, 0);
  const verdict = ee.readOnly
    ? `would be refused: the devicetree marks ${ee.name} read-only`
    : blocked
      ? `would be refused: the data reaches ${hex(end - 1)}, inside block protection ${st.blocks} from ${hex(from)}; lift it with: hilbridge protect ${ee.name} --blocks none`
      : `dry run: nothing written; ${describeExtent(image)} would go to ${pages(total)} of ${ee.name}${o.verify ? ', then be verified' : ''}`;
  const pagesJson = bySegment.flatMap((seg) => seg.pages);
  return {
    data: {
      device: ee.name,
      offset: imageBounds(image).start,
      length: imageBounds(image).bytes,
      dryRun: true,
      pageSize: ee.pageSize,
      pages: pagesJson,
      ranges: bySegment.map((seg) => ({ offset: seg.offset, length: seg.length, pages: seg.pages.length })),
      protectedFrom: from,
      refused: blocked,
    },
    text: `${lines.join('\n')}\n${verdict}\n`,
  };
}

export async function write(s: Session, device: string, offsetText: string | undefined, o: WriteOptions): Promise<CommandResult> {
  const offset = argOrOption(offsetText, o.offset, 'offset') ?? 0;
  const input = readImageInput(o, offset, 'write');
  const dev = s.device(device);
  if (o.dryRun) return dryRun(s, dev.name, input, o);
  const ee = await s.eeprom(dev.name);
  const { image } = input;
  const b = imageBounds(image);
  // What the library would refuse is refused before the question is asked.
  ee.checkImage(image, input.source);
  await s.confirm(dev, `write ${describeExtent(image)} at ${rangesText(image)}${fromFile(input)}`);
  const t0 = performance.now();
  const r = await withProgress(s, `write ${ee.name}`, b.bytes, ee.pageSize, (onProgress) =>
    ee.writeImage(image, { source: input.source, verify: o.verify, skipUnchanged: o.force !== true, onProgress, signal: s.signal }),
  );
  const ms = performance.now() - t0;
  const skipped = r.pagesSkipped ? `, ${pages(r.pagesSkipped)} already held the data` : '';
  const where = image.segments.length > 1 ? `in ${image.segments.length} ranges (${rangesText(image)})` : `at ${rangeText(b.start, b.bytes)}`;
  return {
    data: {
      device: ee.name,
      offset: b.start,
      length: b.bytes,
      format: input.format,
      ranges: r.ranges,
      pages: r.pagesWritten + r.pagesSkipped,
      pagesWritten: r.pagesWritten,
      pagesSkipped: r.pagesSkipped,
      verified: o.verify,
      elapsedMs: Number(ms.toFixed(3)),
    },
    summary:
      `wrote ${b.bytes} bytes${fromFile(input)} to ${ee.name} ${where}: ${pages(r.pagesWritten)} written${skipped}` +
      `${o.verify ? ', verified' : ', not verified (--no-verify)'} in ${ms.toFixed(0)} ms\n`,
  };
}

export async function verify(
  s: Session,
  device: string,
  offsetText: string | undefined,
  o: { in?: string | undefined; hex?: string | undefined; offset?: string | undefined; format?: InputFormat | undefined },
): Promise<CommandResult> {
  const offset = argOrOption(offsetText, o.offset, 'offset') ?? 0;
  const input = readImageInput(o, offset, 'compare');
  const ee = await s.eeprom(device);
  const { image } = input;
  const b = imageBounds(image);
  const r = await withProgress(s, `verify ${ee.name}`, b.bytes, ee.pageSize, (onProgress) => ee.verifyImage(image, { source: input.source, onProgress, signal: s.signal }));
  const data = { device: ee.name, offset: b.start, length: b.bytes, format: input.format, match: r.match, differences: r.differences, first: r.first };
  const where = image.segments.length > 1 ? `in ${image.segments.length} ranges (${rangesText(image)})` : `at ${rangeText(b.start, b.bytes)}`;
  if (r.match) {
    return { data, text: `${ee.name} matches ${input.source}: ${b.bytes} bytes ${where}\n` };
  }
  const byte = (n: number): string => hex(n, 2);
  const lines = r.first.map((d) => `  ${hex(d.offset, 4)}: file ${byte(d.expected)}, chip ${byte(d.actual)}`);
  const more = r.differences > r.first.length ? `\n  ... and ${r.differences - r.first.length} more` : '';
  return {
    data,
    text: `${ee.name} differs from ${input.source} in ${r.differences} of ${b.bytes} bytes; first at ${hex(r.first[0]!.offset)}:\n${lines.join('\n')}${more}\n`,
    exitCode: EXIT.FAILED,
  };
}
