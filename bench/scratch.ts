/**
 * Write rows on a real chip run only inside a scratch range the user names
 * (`--scratch DEV:OFFSET:LENGTH`). Before anything runs, the guard reads and keeps that range and
 * (AT25) the status register; afterwards, however the run ended (finished, failed, Ctrl-C), it
 * boots a fresh kernel, puts the protection bits back if they changed, rewrites the pages that
 * differ, reads the range back to prove it, and clears a write-enable latch left set.
 */
import { HilError } from '../src/abi/errno';
import { Hilbridge } from '../src/host/hilbridge';
import type { SpiDeviceApi } from '../src/user/device-api';
import type { EepromStatus } from '../src/userdrivers/eeprom';
import type { BenchDevice } from './target';

export interface ScratchRange {
  readonly device: string;
  readonly offset: number;
  readonly length: number;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, kib: 1024 };

function quantity(text: string, what: string): number {
  const m = /^(0x[0-9a-f]+|[0-9]+)([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new HilError('EINVAL', `--scratch: ${what} "${text}" is not a number (decimal, 0x hex, or with k/KiB)`);
  return Number(m[1]!) * unit;
}

/** Parses `DEV:OFFSET:LENGTH` and checks it against the board's devices. */
export function parseScratch(spec: string, devices: readonly BenchDevice[]): ScratchRange {
  const parts = spec.split(':');
  if (parts.length !== 3) throw new HilError('EINVAL', `--scratch "${spec}" must be DEVICE:OFFSET:LENGTH, e.g. eeprom0:0x7000:4k`);
  const [device, off, len] = parts as [string, string, string];
  const d = devices.find((x) => x.name === device);
  if (!d) throw new HilError('ENOENT', `--scratch names ${device}; the board's EEPROMs are ${devices.map((x) => x.name).join(', ')}`);
  if (d.readOnly) throw new HilError('EROFS', `--scratch names ${device}, which the board marks read-only`);
  const offset = quantity(off, 'offset');
  const length = quantity(len, 'length');
  if (length <= 0 || offset + length > d.size) throw new HilError('EINVAL', `--scratch ${spec}: [${offset}, ${offset + length}) is not inside ${device}'s ${d.size} bytes`);
  return { device, offset, length };
}

interface Saved {
  readonly range: ScratchRange;
  readonly data: Uint8Array;
  readonly status: EepromStatus | undefined;
}

export interface RestoreReport {
  readonly device: string;
  readonly pagesRewritten: number;
  readonly protectionRestored: boolean;
  readonly latchCleared: boolean;
  readonly verified: boolean;
}

export class ScratchGuard {
  private constructor(
    private readonly boot: () => Promise<Hilbridge>,
    private readonly saved: readonly Saved[],
  ) {}

  get ranges(): readonly ScratchRange[] {
    return this.saved.map((s) => s.range);
  }

  /** Reads and keeps every range and its device's status. */
  static async save(board: string, includeDirs: readonly string[], ranges: readonly ScratchRange[], devices: readonly BenchDevice[], serialPort?: string): Promise<ScratchGuard> {
    const boot = (): Promise<Hilbridge> => Hilbridge.boot({ board, includeDirs, startThreads: false, serialPort });
    const hb = await boot();
    try {
      const saved: Saved[] = [];
      for (const r of ranges) {
        const drv = hb.inKernelDriver(r.device);
        const kind = devices.find((d) => d.name === r.device)?.kind;
        const status = kind === 'at25' ? await drv.status() : undefined;
        if (status?.busy) throw new HilError('EBUSY', `${r.device} is busy (a write cycle is running): try again`);
        saved.push({ range: r, data: await drv.read(r.offset, r.length), status });
      }
      return new ScratchGuard(boot, saved);
    } finally {
      await hb.shutdown();
    }
  }

  /** Puts every range and status back; throws only if a range cannot be verified afterwards. */
  async restore(): Promise<RestoreReport[]> {
    const hb = await this.boot();
    const out: RestoreReport[] = [];
    try {
      for (const s of this.saved) {
        const { device, offset, length } = s.range;
        const drv = hb.inKernelDriver(device);
        let protectionRestored = false;
        let latchCleared = false;
        if (s.status) {
          const now = await drv.status();
          if (now.blocks !== s.status.blocks || now.wpen !== s.status.wpen) {
            await drv.setProtection({ blocks: s.status.blocks, wpen: s.status.wpen });
            protectionRestored = true;
          }
        }
        const r = await drv.write(offset, s.data, { verify: true, skipUnchanged: true });
        const back = await drv.read(offset, length);
        const verified = back.every((b, i) => b === s.data[i]);
        if (s.status) {
          const now = await drv.status();
          if (now.wel && !s.status.wel) {
            await (hb.kernel.deviceApi(device) as SpiDeviceApi).transfer([{ tx: Uint8Array.of(0x04), len: 1 }]); // WRDI
            latchCleared = true;
          }
        }
        out.push({ device, pagesRewritten: r.written, protectionRestored, latchCleared, verified });
        if (!verified) throw new HilError('EIO', `${device}: the scratch range [${offset}, ${offset + length}) reads back different from what was saved`);
      }
    } finally {
      await hb.shutdown();
    }
    return out;
  }
}
