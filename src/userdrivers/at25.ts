/**
 * User-mode driver for AT25-family SPI EEPROMs (AT25010 … AT25M01, 25AA/25LC, M95xxx).
 *
 * Written only against `SpiDeviceApi` and `DriverEnv`, so the same code runs in a user thread
 * (every transaction is a syscall) or in the kernel. Transactions are few and batched: a page
 * write is one transaction (WREN, deselect, WRITE, deselect, RDSR); a read chunk carries an RDSR
 * in front so that a busy chip is noticed without an extra round trip. Every transfer is either
 * transmit-only or receive-only, so half-duplex backends (serprog) can run it.
 *
 * Transfer buffers come from `env.alloc` once, at construction: in a user thread they lie in the
 * thread's partition and the kernel moves bytes without copying. Reads go straight into the
 * caller's buffer, which may be a lease: the bus fills the client's memory.
 */
import { HilError } from '../abi/errno';
import { type At25Config, geometryProblem } from '../abi/device-config';
import type { BusBuffer } from '../abi/lease';
import { EepromBase, type EepromDriverOptions, type ReadPlan } from './eeprom-base';
import type { DriverEnv, SpiDeviceApi, SpiTransfer } from '../user/device-api';
import { PROTECTED_BLOCKS, protectedFrom, type EepromStatus, type ProtectedBlocks, type ProtectionSettings } from './eeprom';

type Xfer = SpiTransfer<BusBuffer>;

export const AT25_OPCODE = { WRSR: 0x01, WRITE: 0x02, READ: 0x03, WRDI: 0x04, RDSR: 0x05, WREN: 0x06 } as const;
export const AT25_STATUS = { WIP: 0x01, WEL: 0x02, BP0: 0x04, BP1: 0x08, WPEN: 0x80 } as const;

export type At25DriverOptions = EepromDriverOptions;

/** Largest scratch buffer the driver allocates, whatever the backend's limit. */
const MAX_CHUNK = 64 * 1024;

// Layout of the small control buffer.
const C_WREN = 0;
const C_WRDI = 1;
const C_RDSR = 2;
const C_SR = 3; // status byte received
const C_SR2 = 4; // status byte received in front of a read
const C_WRSR = 5; // WRSR opcode + value (2 bytes)
const C_HDR = 8; // READ header (up to 4 bytes)
const CTL_LEN = 16;

export class At25Eeprom extends EepromBase<At25Config> {
  private readonly addrBytes: number;
  private readonly hdrLen: number;
  private readonly ctl: Uint8Array;
  private readonly io: Uint8Array;
  private readonly maxReadChunk: number;
  private readonly maxWriteBytes: number;
  /** Write-cycle time observed on the last page, in µs (0 until measured). */
  private cycleEstimateUs = 0;

  constructor(
    private readonly spi: SpiDeviceApi,
    cfg: At25Config,
    env: DriverEnv,
    opts: At25DriverOptions = {},
  ) {
    super(cfg, env, opts);
    validateConfig(cfg);
    this.addrBytes = cfg.addressWidth <= 9 ? 1 : cfg.addressWidth / 8;
    this.hdrLen = 1 + this.addrBytes;
    const max = spi.maxTransferBytes;
    // A page write moves WREN (1) + header + data + RDSR (2) in one transaction.
    if (!Number.isInteger(max) || max < this.hdrLen + 4) {
      throw new HilError('EINVAL', `${cfg.name}: the SPI backend moves at most ${max} bytes per transaction; an AT25 needs ${this.hdrLen + 4}`);
    }
    this.maxReadChunk = Math.min(max - this.hdrLen - 2, MAX_CHUNK, cfg.size);
    this.maxWriteBytes = Math.min(max - this.hdrLen - 3, cfg.pageSize);
    this.ctl = env.alloc(CTL_LEN);
    this.ctl[C_WREN] = AT25_OPCODE.WREN;
    this.ctl[C_WRDI] = AT25_OPCODE.WRDI;
    this.ctl[C_RDSR] = AT25_OPCODE.RDSR;
    this.ctl[C_WRSR] = AT25_OPCODE.WRSR;
    this.io = this.setTransferLimits(this.maxReadChunk, this.maxWriteBytes, this.hdrLen);
  }

  /** Waits out a running cycle, then refuses a range that block protection covers, before any byte moves. */
  protected override async beforeWrite(offset: number, length: number): Promise<void> {
    let sr = await this.readStatus();
    if (sr & AT25_STATUS.WIP) sr = await this.waitIdle(sr);
    const blocks = blocksOf(sr);
    const from = protectedFrom(this.cfg.size, blocks);
    if (offset + length > from) {
      throw new HilError(
        'EROFS',
        `${this.name}: [${offset}, ${offset + length}) overlaps the block-protected range [${from}, ${this.cfg.size}) ` +
          `(BP = ${blocks}); lift it with setProtection({ blocks: 'none' })`,
      );
    }
  }

  /** A failed page may have left the write-enable latch set: clear it. */
  protected override async afterWriteFailure(): Promise<void> {
    await this.writeDisableQuietly();
  }

  async status(): Promise<EepromStatus> {
    const sr = await this.readStatus();
    return {
      busy: (sr & AT25_STATUS.WIP) !== 0,
      wel: (sr & AT25_STATUS.WEL) !== 0,
      blocks: blocksOf(sr),
      wpen: (sr & AT25_STATUS.WPEN) !== 0,
      raw: sr,
    };
  }

  async setProtection(p: ProtectionSettings): Promise<void> {
    if (typeof p !== 'object' || p === null || !PROTECTED_BLOCKS.includes(p.blocks)) {
      throw new HilError('EINVAL', `${this.name}: blocks must be one of ${PROTECTED_BLOCKS.join(', ')}`);
    }
    if (p.wpen !== undefined && typeof p.wpen !== 'boolean') {
      throw new HilError('EINVAL', `${this.name}: wpen must be a boolean when given`);
    }
    this.refuseReadOnly();
    let sr = await this.readStatus();
    if (sr & AT25_STATUS.WIP) sr = await this.waitIdle(sr);
    const wpen = p.wpen ?? (sr & AT25_STATUS.WPEN) !== 0;
    const value = (PROTECTED_BLOCKS.indexOf(p.blocks) << 2) | (wpen ? AT25_STATUS.WPEN : 0);
    const mask = AT25_STATUS.BP0 | AT25_STATUS.BP1 | AT25_STATUS.WPEN;
    if ((sr & mask) === value) return;
    this.ctl[C_WRSR + 1] = value;
    try {
      sr = await this.unprotected(async () => {
        await this.spi.transfer([
          { tx: this.ctl.subarray(C_WREN, C_WREN + 1), len: 1, csChange: true },
          { tx: this.ctl.subarray(C_WRSR, C_WRSR + 2), len: 2, csChange: true },
          ...this.rdsrOps(C_SR),
        ]);
        const s0 = this.ctl[C_SR]!;
        return s0 & AT25_STATUS.WIP ? this.waitIdle(s0) : s0;
      });
    } catch (e) {
      await this.writeDisableQuietly();
      throw e;
    }
    if ((sr & mask) !== value) {
      if (sr & AT25_STATUS.WEL) await this.writeDisableQuietly();
      if (sr & AT25_STATUS.WPEN) {
        throw new HilError(
          'EROFS',
          `${this.name}: the status register is write-protected (WPEN is set and the WP pin is low); drive WP high to change protection`,
        );
      }
      throw new HilError('EIO', `${this.name}: status register reads 0x${sr.toString(16)} after writing 0x${value.toString(16)}`);
    }
  }

  // --- bus operations -------------------------------------------------------------------------

  private rdsrOps(at: number): Xfer[] {
    return [
      { tx: this.ctl.subarray(C_RDSR, C_RDSR + 1), len: 1 },
      { rx: this.ctl.subarray(at, at + 1), len: 1 },
    ];
  }

  private async readStatus(): Promise<number> {
    await this.spi.transfer(this.rdsrOps(C_SR));
    return this.ctl[C_SR]!;
  }

  /** Polls RDSR until WIP clears; ETIMEDOUT after the node's timeout. Returns the last status. */
  private async waitIdle(sr: number, start = this.env.nowMs()): Promise<number> {
    while (sr & AT25_STATUS.WIP) {
      if (this.env.nowMs() - start >= this.cfg.timeoutMs) {
        sr = await this.readStatus(); // one last look, after the deadline
        if (!(sr & AT25_STATUS.WIP)) break;
        throw new HilError(
          'ETIMEDOUT',
          `${this.name}: write cycle still running after ${this.cfg.timeoutMs} ms (status 0x${sr.toString(16)}); ` +
            'check the chip, its supply, or raise the node\'s timeout',
        );
      }
      await this.env.sleepUs(this.pollUs);
      sr = await this.readStatus();
    }
    return sr;
  }

  private writeHeader(buf: Uint8Array, at: number, op: number, addr: number): void {
    switch (this.addrBytes) {
      case 1:
        buf[at] = this.cfg.addressWidth === 9 ? op | (((addr >> 8) & 1) << 3) : op;
        buf[at + 1] = addr & 0xff;
        break;
      case 2:
        buf[at] = op;
        buf[at + 1] = (addr >> 8) & 0xff;
        buf[at + 2] = addr & 0xff;
        break;
      default:
        buf[at] = op;
        buf[at + 1] = (addr >> 16) & 0xff;
        buf[at + 2] = (addr >> 8) & 0xff;
        buf[at + 3] = addr & 0xff;
    }
  }

  /** One page (or page fragment): WREN, WRITE, then RDSR in the same transaction; then polls. */
  protected async writePage(at: number, bytes: Uint8Array): Promise<void> {
    const len = this.hdrLen + bytes.length;
    this.writeHeader(this.io, 0, AT25_OPCODE.WRITE, at);
    this.io.set(bytes, this.hdrLen);
    await this.spi.transfer([
      { tx: this.ctl.subarray(C_WREN, C_WREN + 1), len: 1, csChange: true },
      { tx: this.io.subarray(0, len), len, csChange: true },
      ...this.rdsrOps(C_SR),
    ]);
    const t0 = this.env.nowMs();
    let sr = this.ctl[C_SR]!;
    if (!(sr & AT25_STATUS.WIP)) return; // no write cycle (a chip without one, or an ignored write: verify tells)
    // Sleep most of the cycle time seen last time, then poll: a few RDSRs per page, not dozens.
    if (this.cycleEstimateUs > 0) {
      await this.env.sleepUs(this.cycleEstimateUs * 0.85);
      sr = await this.readStatus();
    }
    if (sr & AT25_STATUS.WIP) await this.waitIdle(sr, t0);
    this.cycleEstimateUs = Math.min((this.env.nowMs() - t0) * 1000, this.cfg.timeoutMs * 1000);
  }

  /**
   * Reads in chunks of at most the backend's transaction size, each straight into its target. The
   * first chunk carries an RDSR in front: if a write cycle was still running (so the READ was
   * ignored), it waits and reads that chunk again.
   */
  protected async readTo(offset: number, length: number, plan: ReadPlan): Promise<void> {
    let pos = 0;
    let first = true;
    while (pos < length) {
      const n = Math.min(this.maxReadChunk, length - pos);
      this.writeHeader(this.ctl, C_HDR, AT25_OPCODE.READ, offset + pos);
      const xfers: Xfer[] = [
        { tx: this.ctl.subarray(C_HDR, C_HDR + this.hdrLen), len: this.hdrLen },
        { rx: plan.target(pos, n), len: n },
      ];
      if (first) {
        xfers.unshift({ tx: this.ctl.subarray(C_RDSR, C_RDSR + 1), len: 1 }, { rx: this.ctl.subarray(C_SR2, C_SR2 + 1), len: 1, csChange: true });
      }
      await this.spi.transfer(xfers);
      if (first) {
        first = false;
        const sr = this.ctl[C_SR2]!;
        if (sr & AT25_STATUS.WIP) {
          await this.waitIdle(sr);
          continue; // the READ was ignored: read this chunk again
        }
      }
      plan.done?.(pos, n);
      pos += n;
    }
  }

  /** Clears the write-enable latch after a failure; a second failure is not allowed to hide the first. */
  private async writeDisableQuietly(): Promise<void> {
    try {
      await this.spi.transfer([{ tx: this.ctl.subarray(C_WRDI, C_WRDI + 1), len: 1 }]);
    } catch {
      /* the original error is the one to report */
    }
  }

}

function blocksOf(sr: number): ProtectedBlocks {
  return PROTECTED_BLOCKS[(sr >> 2) & 3]!;
}

function validateConfig(cfg: At25Config): void {
  const p = geometryProblem(cfg);
  if (p) throw new HilError('EINVAL', `${cfg.name}: ${p.prop} ${p.what}`);
  if (!(cfg.timeoutMs > 0)) throw new HilError('EINVAL', `${cfg.name}: timeout ${cfg.timeoutMs} ms must be positive`);
}
