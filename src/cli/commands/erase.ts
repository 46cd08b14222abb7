/** `hilbridge erase DEV [--offset N --length N] [--fill BYTE]`: fill a range (default: all, 0xff). */
import { checkDeviceRange, hex, parseByte, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { writeRange } from '../transfer';

export interface EraseOptions {
  readonly offset?: string | undefined;
  readonly length?: string | undefined;
  readonly fill?: string | undefined;
  readonly verify: boolean;
}

export async function erase(s: Session, device: string, o: EraseOptions): Promise<CommandResult> {
  const offset = o.offset === undefined ? 0 : parseQuantity(o.offset, '--offset');
  const fill = o.fill === undefined ? 0xff : parseByte(o.fill, '--fill');
  const dev = s.device(device);
  checkDeviceRange(dev.name, dev.config.size, offset, 0);
  const length = o.length === undefined ? dev.config.size - offset : parseQuantity(o.length, '--length');
  checkDeviceRange(dev.name, dev.config.size, offset, length);
  const ee = await s.eeprom(dev.name);
  const t0 = performance.now();
  await writeRange(s, ee, 'erase', offset, length, (at, n) => ee.erase(at, n, fill, { verify: o.verify }));
  const ms = performance.now() - t0;
  const range = length ? `${hex(offset)}..${hex(offset + length - 1)}` : `(empty range at ${hex(offset)})`;
  return {
    data: { device: ee.name, offset, length, fill, verified: o.verify, elapsedMs: Number(ms.toFixed(3)) },
    text: `erased ${ee.name} ${range}: ${length} bytes set to ${hex(fill, 2)}${o.verify ? ', verified' : ''} in ${ms.toFixed(0)} ms\n`,
  };
}
