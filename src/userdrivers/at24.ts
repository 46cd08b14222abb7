/**
 * User-mode driver for AT24-family I2C EEPROMs (AT24C01 … AT24C512, AT24CM01, 24AA/24LC).
 *
 * Written only against `I2cDeviceApi` and `DriverEnv`. Memory-address bits above the word address
 * (AT24C04/08/16: A8–A10, AT24CM01: A16) select the device address, so transfers never cross a
 * block; page writes never cross a page. A random read is one transfer of two messages (word
 * address, then read) that is correct with or without repeated START, because the chip's address
 * pointer survives a STOP.
 *
 * Acknowledge polling: while a write cycle runs the chip NACKs its address, so every operation is
 * retried on `EREMOTEIO` until the node's timeout (then `ETIMEDOUT`). After each page the driver
 * sleeps most of the cycle time it measured on the previous pages, so a page costs about two
 * transfers, not dozens; an acknowledge at the first try only bounds the cycle, so the estimate
 * then shrinks, and a part that is ready at once is not slept for at all. The last page is waited
 * for before `write` returns: the read-back of `verify` doubles as the poll; without verify a
 * word-address-only "dummy write" polls.
 */
import { HilError } from '../abi/errno';
import type { At24Config } from '../abi/device-config';
import { geometryProblem } from '../abi/device-config';
import type { BusBuffer } from '../abi/lease';
import { EepromBase, type EepromDriverOptions, type ReadPlan } from './eeprom-base';
import type { DriverEnv, I2cDeviceApi, I2cMessage } from '../user/device-api';
import type { EepromStatus, ProtectionSettings } from './eeprom';

type Msg = I2cMessage<BusBuffer>;

export type At24DriverOptions = EepromDriverOptions;

const MAX_CHUNK = 64 * 1024;

export class At24Eeprom extends EepromBase<At24Config> {
  private readonly addrBytes: number;
  private readonly blockSize: number;
  private readonly hdr: Uint8Array;
  private readonly probe: Uint8Array;
  private readonly io: Uint8Array;
  private readonly maxReadChunk: number;
  private readonly maxWriteBytes: number;
  private cycleEstimateUs = 0;
  /** When the last write cycle we started began (ms), or undefined if none can be running. */
  private cycleStartedMs: number | undefined;

  constructor(
    private readonly i2c: I2cDeviceApi,
    cfg: At24Config,
    env: DriverEnv,
    opts: At24DriverOptions = {},
  ) {
    super(cfg, env, opts);
    validateConfig(cfg);
    this.addrBytes = cfg.addressWidth / 8;
    this.blockSize = 2 ** cfg.addressWidth;
    const max = i2c.maxTransferBytes;
    if (!Number.isInteger(max) || max < this.addrBytes + 1) {
      throw new HilError('EINVAL', `${cfg.name}: the I2C backend moves at most ${max} bytes per message; an AT24 needs ${this.addrBytes + 1}`);
    }
    this.maxReadChunk = Math.min(max, MAX_CHUNK, cfg.size);
    this.maxWriteBytes = Math.min(max - this.addrBytes, cfg.pageSize);
    this.hdr = env.alloc(this.addrBytes);
    this.probe = env.alloc(1);
    this.io = this.setTransferLimits(this.maxReadChunk, this.maxWriteBytes, this.addrBytes);
  }

  /** One page (or fragment): word address and data in one message, retried while the chip is busy. */
  protected async writePage(at: number, bytes: Uint8Array): Promise<void> {
    const len = this.addrBytes + bytes.length;
    this.putWordAddress(this.io, at);
    this.io.set(bytes, this.addrBytes);
    await this.withAckPolling([{ addr: this.deviceAddress(at), read: false, buf: this.io.subarray(0, len) }]);
    this.cycleStartedMs = this.env.nowMs();
  }

  /** With a WP line, each page's cycle is waited for before WP is asserted again. */
  protected override async waitWriteCycle(at: number): Promise<void> {
    await this.waitReady(at);
  }

  /** Without a verify read to wait for it, the last write cycle is waited for with a dummy write. */
  protected override async afterWriteUnverified(offset: number): Promise<void> {
    await this.waitReady(offset);
  }

  /** Busy is the one thing an AT24 can tell: a 1-byte current-address read is NACKed in a write cycle. */
  async status(): Promise<EepromStatus> {
    try {
      await this.i2c.transfer([{ addr: this.cfg.address, read: true, buf: this.probe }]);
      return { busy: false, blocks: 'none' };
    } catch (e) {
      if (e instanceof HilError && e.code === 'EREMOTEIO') return { busy: true, blocks: 'none' };
      throw e;
    }
  }

  async setProtection(_p: ProtectionSettings): Promise<void> {
    throw new HilError('ENOTSUP', `${this.name}: AT24 EEPROMs have no software block protection (only the WP pin)`);
  }

  // --- bus operations -------------------------------------------------------------------------

  private deviceAddress(offset: number): number {
    return this.cfg.address + Math.floor(offset / this.blockSize);
  }

  private putWordAddress(buf: Uint8Array, offset: number): void {
    const word = offset % this.blockSize;
    if (this.addrBytes === 1) buf[0] = word;
    else {
      buf[0] = word >> 8;
      buf[1] = word & 0xff;
    }
  }

  /**
   * Runs a transfer, retrying while the chip NACKs (a write cycle is running). Before the first
   * try it sleeps most of the measured cycle time if a cycle of ours may still be running.
   */
  private async withAckPolling(ops: readonly Msg[]): Promise<void> {
    const started = this.cycleStartedMs;
    if (started !== undefined && this.cycleEstimateUs > 0) {
      const left = this.cycleEstimateUs * 0.85 - (this.env.nowMs() - started) * 1000;
      // Less than a poll interval is not worth a timer (a Node timer sleeps 1 ms at least): poll.
      if (left >= this.pollUs) await this.env.sleepUs(left);
    }
    const t0 = this.env.nowMs();
    let nacks = 0;
    for (;;) {
      try {
        await this.i2c.transfer(ops);
        break;
      } catch (e) {
        nacks++;
        if (!(e instanceof HilError) || e.code !== 'EREMOTEIO') throw e;
        if (this.env.nowMs() - t0 >= this.cfg.timeoutMs) {
          throw new HilError(
            'ETIMEDOUT',
            `${this.name}: no acknowledge from 0x${ops[0]!.addr.toString(16)} for ${this.cfg.timeoutMs} ms ` +
              '(a write cycle that never ends, a missing chip, or a wrong address); check wiring and the node\'s reg and timeout',
            { cause: e },
          );
        }
        await this.env.sleepUs(this.pollUs);
      }
    }
    if (started !== undefined) {
      const took = Math.min((this.env.nowMs() - started) * 1000, this.cfg.timeoutMs * 1000);
      // After a NACK the cycle ended within one poll of `took`. Acknowledged at the first try, it
      // ended at some time before, and `took` holds our own sleep and its timer's lateness: taken
      // as the estimate it would grow page by page, so the estimate shrinks instead.
      this.cycleEstimateUs = nacks > 0 ? took : Math.min(took, this.cycleEstimateUs * 0.75);
      this.cycleStartedMs = undefined;
    }
  }

  /** Acknowledge polling with a dummy write of the word address (it only sets the address pointer). */
  private async waitReady(offset: number): Promise<void> {
    this.putWordAddress(this.hdr, offset);
    await this.withAckPolling([{ addr: this.deviceAddress(offset), read: false, buf: this.hdr }]);
  }

  protected async readTo(offset: number, length: number, plan: ReadPlan): Promise<void> {
    let pos = 0;
    while (pos < length) {
      const at = offset + pos;
      const n = Math.min(this.maxReadChunk, length - pos, this.blockSize - (at % this.blockSize));
      const dev = this.deviceAddress(at);
      this.putWordAddress(this.hdr, at);
      await this.withAckPolling([
        { addr: dev, read: false, buf: this.hdr },
        { addr: dev, read: true, buf: plan.target(pos, n) },
      ]);
      plan.done?.(pos, n);
      pos += n;
    }
  }
}

function validateConfig(cfg: At24Config): void {
  const p = geometryProblem(cfg);
  if (p) throw new HilError('EINVAL', `${cfg.name}: ${p.prop} ${p.what}`);
  if (!(cfg.timeoutMs > 0)) throw new HilError('EINVAL', `${cfg.name}: timeout ${cfg.timeoutMs} ms must be positive`);
}
