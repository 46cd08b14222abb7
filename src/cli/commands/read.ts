/**
 * `hilbridge read DEV OFFSET LENGTH` (hexdump, raw bytes or JSON; to the terminal or a file) and
 * `hilbridge dump DEV --out FILE` (the whole device to a file).
 */
import { UsageError } from '../errors';
import { checkOutputPath, writeFileOrFail } from '../files';
import { hexdump } from '../hexdump';
import { hex, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { withProgress } from '../transfer';

export type ReadFormat = 'hex' | 'bin' | 'json';

export interface ReadOptions {
  readonly format?: ReadFormat | undefined;
  readonly out?: string | undefined;
}

export async function read(s: Session, device: string, offsetText: string, lengthText: string, o: ReadOptions): Promise<CommandResult> {
  const offset = parseQuantity(offsetText, 'offset');
  const length = parseQuantity(lengthText, 'length');
  if (o.out) checkOutputPath(o.out);
  const ee = await s.eeprom(device);
  ee.checkRange(offset, length);
  const data = await withProgress(s, `read ${ee.name}`, length, ee.pageSize, (onProgress) => ee.read(offset, length, { onProgress, signal: s.signal }));
  const format = o.format ?? (o.out ? 'bin' : 'hex');
  const jsonData = { device: ee.name, offset, length, data: Buffer.from(data).toString('hex'), ...(o.out ? { out: o.out } : {}) };
  const rendered = format === 'hex' ? hexdump(data, offset) : format === 'json' ? `${JSON.stringify(jsonData)}\n` : data;
  if (o.out) {
    writeFileOrFail(o.out, rendered);
    return { data: jsonData, text: `read ${length} bytes of ${ee.name} at ${hex(offset)} into ${o.out} (${format})\n` };
  }
  return { data: jsonData, text: rendered };
}

export async function dump(s: Session, device: string, o: { out?: string | undefined }): Promise<CommandResult> {
  if (!o.out) throw new UsageError('EINVAL', 'dump needs --out FILE (the whole device goes there); for a region on the terminal use read');
  checkOutputPath(o.out);
  const ee = await s.eeprom(device);
  const data = await withProgress(s, `dump ${ee.name}`, ee.size, ee.pageSize, (onProgress) => ee.dump({ onProgress, signal: s.signal }));
  writeFileOrFail(o.out, data);
  return {
    data: { device: ee.name, size: data.length, out: o.out },
    text: `dumped ${ee.name} (${data.length} bytes) to ${o.out}\n`,
  };
}
