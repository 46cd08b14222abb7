/**
 * What the AT25 and AT24 drivers share: geometry, argument checks, the page loop of a write
 * (split at pages, pages that already hold the data skipped on request, progress and abort after
 * the page in flight), read-back verification, erase as a write of the fill byte, reads into a
 * caller's buffer (which may be a lease: the bus fills it directly), and the read-only refusal.
 * Each driver supplies the bus side: `readTo`, `writePage`, the checks before a write and the
 * clean-up after one, `status` and `setProtection`.
 *
 * Write protect: given the device's WP line, the driver keeps the chip protected except around
 * each page (and each status-register) write: WP is lifted just before the write and asserted
 * again once the chip's write cycle has ended (as Zephyr's at2x driver does). The kernel asserts
 * WP at boot and puts it back whenever the driver thread stops.
 */
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import type { ControlLine, DriverEnv } from '../user/device-api';
import {
  checkAborted,
  checkData,
  checkFill,
  checkRange,
  compareReadback,
  type Eeprom,
  type EepromStatus,
  type ProtectionSettings,
  sameBytes,
  type WriteOptions,
  type WriteResult,
} from './eeprom';

/** Where a chunk of a read goes, and what to do once it is there. */
export interface ReadPlan {
  target(pos: number, n: number): BusBuffer;
  done?(pos: number, n: number): void;
}

/** What every driver takes besides its bus, configuration and environment. */
export interface EepromDriverOptions {
  /** Pause between busy polls while a write cycle runs (default 250 µs). */
  readonly pollIntervalUs?: number;
  /** The device's write-protect line, if it has one the driver may drive. */
  readonly wp?: ControlLine | undefined;
}

export abstract class EepromBase<C extends EepromConfig> implements Eeprom {
  readonly name: string;
  protected readonly pollUs: number;
  private readonly wp: ControlLine | undefined;
  private limits: { read: number; write: number; io: Uint8Array } | undefined;

  protected constructor(
    protected readonly cfg: C,
    protected readonly env: DriverEnv,
    opts: EepromDriverOptions = {},
  ) {
    this.name = cfg.name;
    this.pollUs = opts.pollIntervalUs ?? 250;
    this.wp = opts.wp;
  }

  size(): number {
    return this.cfg.size;
  }

  pageSize(): number {
    return this.cfg.pageSize;
  }

  /** Most bytes one bus read moves. */
  readChunk(): number {
    return this.buffers().read;
  }

  /**
   * Set once by the driver's constructor: the most bytes one read and one page write move, and the
   * driver's I/O buffer (a write's header plus data, a read chunk, a verify read), allocated here.
   */
  protected setTransferLimits(read: number, write: number, headerBytes: number): Uint8Array {
    const io = this.env.alloc(Math.max(read, headerBytes + write));
    this.limits = { read, write, io };
    return io;
  }

  private buffers(): { read: number; write: number; io: Uint8Array } {
    if (!this.limits) throw new HilError('EINVAL', `${this.name}: the driver set no transfer limits`);
    return this.limits;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.cfg.size, offset, length);
    const out = new Uint8Array(length);
    await this.readTo(offset, length, { target: (pos, n) => out.subarray(pos, pos + n) });
    return out;
  }

  async readInto(offset: number, dst: BusBuffer): Promise<void> {
    checkRange(this.name, this.cfg.size, offset, dst.length);
    await this.readTo(offset, dst.length, { target: (pos, n) => dst.subarray(pos, pos + n) });
  }

  async write(offset: number, data: Uint8Array, opts: WriteOptions = {}): Promise<WriteResult> {
    checkData(this.name, data);
    checkRange(this.name, this.cfg.size, offset, data.length);
    if (data.length === 0) return { written: 0, skipped: 0 };
    this.refuseReadOnly();
    const span = opts.span ?? { offset, length: data.length };
    checkRange(this.name, this.cfg.size, span.offset, span.length);
    if (offset < span.offset || offset + data.length > span.offset + span.length) {
      throw new HilError('EINVAL', `${this.name}: [${offset}, ${offset + data.length}) lies outside the write it belongs to [${span.offset}, ${span.offset + span.length})`);
    }
    await this.beforeWrite(span.offset, span.length);
    const total = data.length;
    let done = 0;
    let written = 0;
    let skipped = 0;
    try {
      while (done < total && !opts.signal?.aborted) {
        const at = offset + done;
        const n = Math.min(this.cfg.pageSize - (at % this.cfg.pageSize), total - done, this.maxWriteChunk());
        const chunk = data.subarray(done, done + n);
        if (opts.skipUnchanged && (await this.holds(at, chunk))) skipped++;
        else {
          await this.unprotected(async () => {
            await this.writePage(at, chunk);
            if (this.wp) await this.waitWriteCycle(at);
          });
          written++;
        }
        done += n;
        opts.onProgress?.({ done, total });
      }
    } catch (e) {
      await this.afterWriteFailure();
      throw e;
    }
    if (opts.verify ?? true) await this.verify(offset, data.subarray(0, done));
    else if (written > 0) await this.afterWriteUnverified(offset);
    checkAborted(this.name, opts.signal, done, total);
    return { written, skipped };
  }

  async erase(offset = 0, length?: number, fill = 0xff, opts: WriteOptions = {}): Promise<WriteResult> {
    const len = length ?? (typeof offset === 'number' ? this.cfg.size - offset : NaN);
    checkRange(this.name, this.cfg.size, offset, len);
    checkFill(this.name, fill);
    return this.write(offset, new Uint8Array(len).fill(fill), opts);
  }

  abstract status(): Promise<EepromStatus>;
  abstract setProtection(p: ProtectionSettings): Promise<void>;

  /** Largest piece of a page one write transaction carries. */
  protected maxWriteChunk(): number {
    return this.buffers().write;
  }

  /** The driver's I/O buffer, at least one read chunk long (used by verify and the unchanged-page check). */
  protected scratchBuffer(): Uint8Array {
    return this.buffers().io;
  }
  /** Reads [offset, offset + length) in bus-sized chunks, each into `plan.target(pos, n)`. */
  protected abstract readTo(offset: number, length: number, plan: ReadPlan): Promise<void>;
  /** Writes one page (or a fragment of one) and waits for, or starts, its write cycle. */
  protected abstract writePage(at: number, bytes: Uint8Array): Promise<void>;
  /** Checks before any byte of a write moves (protection, a running cycle). */
  protected async beforeWrite(_offset: number, _length: number): Promise<void> {
    /* nothing by default */
  }
  /** Leaves the chip safe after a failed write (e.g. clears the write-enable latch). */
  protected async afterWriteFailure(): Promise<void> {
    /* nothing by default */
  }
  /** Waits until the write cycle started at `at` has ended (default: writePage already waited). */
  protected async waitWriteCycle(_at: number): Promise<void> {
    /* nothing by default */
  }

  /** Runs a write with WP lifted, asserting it again afterwards whatever happens. */
  protected async unprotected<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.wp) return fn();
    await this.wp.set(0);
    try {
      return await fn();
    } finally {
      await this.wp.set(1);
    }
  }

  /** Waits for the last write cycle when no verify read does it. */
  protected async afterWriteUnverified(_offset: number): Promise<void> {
    /* nothing by default */
  }

  /** Reads back what was written and fails with EIO naming the first differing offset. */
  protected async verify(offset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    const buf = this.scratchBuffer();
    await this.readTo(offset, data.length, {
      target: (_pos, n) => buf.subarray(0, n),
      done: (pos, n) => compareReadback(this.name, offset + pos, data.subarray(pos, pos + n), buf.subarray(0, n)),
    });
  }

  /** True when the chip already holds `bytes` at `at` (one page at most). */
  private async holds(at: number, bytes: Uint8Array): Promise<boolean> {
    const buf = this.scratchBuffer().subarray(0, bytes.length);
    await this.readTo(at, bytes.length, { target: (pos, n) => buf.subarray(pos, pos + n) });
    return sameBytes(buf, bytes);
  }

  protected refuseReadOnly(): void {
    if (this.cfg.readOnly) {
      throw new HilError('EROFS', `${this.name}: the devicetree marks this EEPROM read-only; writes are refused`);
    }
  }
}
