/**
 * What the AT25 and AT24 drivers share: geometry, argument checks, whole reads, erase as a
 * verified write of the fill byte, read-back verification and the read-only refusal. Each driver
 * supplies its bus-specific `readInto`, `write`, `status` and `setProtection`.
 */
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import {
  checkFill,
  checkRange,
  compareReadback,
  type Eeprom,
  type EepromStatus,
  type ProtectionSettings,
  type WriteOptions,
} from './eeprom';

export abstract class EepromBase<C extends EepromConfig> implements Eeprom {
  readonly name: string;

  protected constructor(protected readonly cfg: C) {
    this.name = cfg.name;
  }

  size(): number {
    return this.cfg.size;
  }

  pageSize(): number {
    return this.cfg.pageSize;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.cfg.size, offset, length);
    const out = new Uint8Array(length);
    await this.readInto(offset, length, (chunk, pos) => out.set(chunk, pos));
    return out;
  }

  async erase(offset = 0, length?: number, fill = 0xff, opts: WriteOptions = {}): Promise<void> {
    const len = length ?? (typeof offset === 'number' ? this.cfg.size - offset : NaN);
    checkRange(this.name, this.cfg.size, offset, len);
    checkFill(this.name, fill);
    await this.write(offset, new Uint8Array(len).fill(fill), opts);
  }

  abstract write(offset: number, data: Uint8Array, opts?: WriteOptions): Promise<void>;
  abstract status(): Promise<EepromStatus>;
  abstract setProtection(p: ProtectionSettings): Promise<void>;

  /** Reads [offset, offset + length) in bus-sized chunks, handing each to `sink`. */
  protected abstract readInto(offset: number, length: number, sink: (chunk: Uint8Array, pos: number) => void): Promise<void>;

  /** Reads back what was written and fails with EIO naming the first differing offset. */
  protected async verify(offset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    await this.readInto(offset, data.length, (chunk, pos) => compareReadback(this.name, offset + pos, data.subarray(pos, pos + chunk.length), chunk));
  }

  protected refuseReadOnly(): void {
    if (this.cfg.readOnly) {
      throw new HilError('EROFS', `${this.name}: the devicetree marks this EEPROM read-only; writes are refused`);
    }
  }
}
