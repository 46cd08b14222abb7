/**
 * `hilbridge read DEV OFFSET LENGTH` (a hexdump, raw bytes, JSON, Intel HEX or S-records; to the
 * terminal, a file, or standard output with `--out -`) and `hilbridge dump DEV --out FILE|-` (the
 * whole device, raw or as Intel HEX / S-records).
 *
 * The hexdump folds repeated lines into `*` as `hexdump -C` does; `-v` prints every line. Raw
 * binary is never written to a terminal. When the data goes to standard output, the summary goes
 * to standard error (the OutputRoute the command line sets up), so `dump eeprom0 --out - > chip.bin`
 * holds exactly the chip's bytes.
 */
import { describeFormat } from '../../index';
import { UsageError } from '../errors';
import { checkOutputPath, isStdio, outputIsTerminal, writeFileOrFail } from '../files';
import { hexdump } from '../hexdump';
import { describeOutput, type FileFormat, outputFormat, renderImage } from '../images';
import { hex, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export type ReadFormat = 'hex' | 'json' | FileFormat;
export const READ_FORMATS: readonly ReadFormat[] = ['hex', 'bin', 'json', 'ihex', 'srec'];
export const DUMP_FORMATS: readonly FileFormat[] = ['bin', 'ihex', 'srec'];

export interface ReadOptions {
  readonly format?: ReadFormat | undefined;
  readonly out?: string | undefined;
  /** Fold repeated hexdump lines into `*` (default true; `-v` turns it off). */
  readonly squeeze?: boolean | undefined;
}

/** Raw binary on a terminal garbles it: refused before the chip is read. */
function refuseBinaryOnTerminal(format: string, onStdout: boolean): void {
  if (format === 'bin' && onStdout && process.stdout.isTTY) {
    throw new UsageError(
      'EINVAL',
      'refusing to write raw binary to the terminal; redirect standard output (> chip.bin), pipe it, give --out FILE, or choose --format hex (a hexdump), ihex or srec',
    );
  }
}

export async function read(s: Session, device: string, offsetText: string, lengthText: string, o: ReadOptions): Promise<CommandResult> {
  const offset = parseQuantity(offsetText, 'offset');
  const length = parseQuantity(lengthText, 'length');
  const format: ReadFormat = o.format ?? (o.out !== undefined ? outputFormat(undefined, o.out) : 'hex');
  refuseBinaryOnTerminal(format, o.out === undefined || outputIsTerminal(o.out));
  if (o.out !== undefined) checkOutputPath(o.out);
  const ee = await s.eeprom(device);
  ee.checkRange(offset, length);
  const data = await withProgress(s, `read ${ee.name}`, length, ee.pageSize, (onProgress) => ee.read(offset, length, { onProgress, signal: s.signal }));
  const jsonData = { device: ee.name, offset, length, data: Buffer.from(data).toString('hex'), ...(o.out !== undefined ? { out: o.out, format } : {}) };
  const rendered =
    format === 'hex'
      ? hexdump(data, offset, { fold: o.squeeze !== false })
      : format === 'json'
        ? `${JSON.stringify({ device: ee.name, offset, length, data: Buffer.from(data).toString('hex') })}\n`
        : renderImage(data, offset, format);
  if (o.out !== undefined) {
    const w = writeFileOrFail(o.out, rendered);
    const what = format === 'hex' ? 'a hexdump' : format === 'json' ? 'JSON' : describeFormat(format);
    const cut = w.closedEarly ? ` (the reader stopped after ${w.bytes} bytes)` : '';
    return { data: jsonData, summary: `read ${length} bytes of ${ee.name} at ${hex(offset)} into ${isStdio(o.out) ? 'standard output' : o.out} (${what})${cut}\n` };
  }
  return { data: jsonData, text: rendered };
}

export async function dump(s: Session, device: string, o: { out?: string | undefined; format?: FileFormat | undefined }): Promise<CommandResult> {
  if (o.out === undefined) throw new UsageError('EINVAL', 'dump needs --out FILE (the whole device goes there; --out - for standard output); for a region on the terminal use read');
  const format = outputFormat(o.format, o.out);
  refuseBinaryOnTerminal(format, outputIsTerminal(o.out));
  checkOutputPath(o.out);
  const ee = await s.eeprom(device);
  const data = await withProgress(s, `dump ${ee.name}`, ee.size, ee.pageSize, (onProgress) => ee.dump({ onProgress, signal: s.signal }));
  const w = writeFileOrFail(o.out, renderImage(data, 0, format));
  const cut = w.closedEarly ? `; the reader stopped after ${w.bytes} bytes` : '';
  return {
    data: { device: ee.name, size: data.length, out: o.out, format, bytesWritten: w.bytes },
    summary: `dumped ${ee.name} (${data.length} bytes) to ${describeOutput(o.out, format)}${cut}\n`,
  };
}
