/**
 * A simulated I2C bus: a first-class `I2cController` whose targets are device models.
 *
 * Each message is START (or repeated START), address + direction, then bytes; the target's ACK or
 * NACK is reported by the model. A NACK ends the transfer with a STOP and `EREMOTEIO`, as Linux
 * i2c-dev reports it. `repeatedStart: false` models i2c-dev through `i2c-bus` (no I2C_RDWR):
 * every message is its own START…STOP. Every transfer is logged; the models' clock advances by
 * the wire time (9 bit times per byte, plus START/STOP); `faults` fails a chosen transfer.
 */
import { HilError, type ErrnoCode } from '../../abi/errno';
import type { Clock } from '../clock';
import type { PartPins } from '../gpio';
import type { I2cController, I2cMessage } from '../i2c';
import { BusFaults } from './faults';
import type { I2cSlaveModel } from './i2c-slave';

export interface MockI2cMessageRecord {
  readonly addr: number;
  readonly read: boolean;
  /** Bytes written, or bytes read (only the ones that moved before a NACK). */
  readonly data: Uint8Array;
  /** False when the target did not acknowledge its address or a written byte. */
  readonly acked: boolean;
}

export interface MockI2cTransferRecord {
  readonly msgs: readonly MockI2cMessageRecord[];
  readonly error?: ErrnoCode;
}

export interface MockI2cOptions {
  readonly name: string;
  readonly clock: Clock;
  /** Messages after the first joined by repeated START (default true). */
  readonly repeatedStart?: boolean;
  /** Most bytes in one message (default 8192, i2c-dev's limit). */
  readonly maxTransferBytes?: number;
  /** SCL frequency for wire time (default 400 kHz). */
  readonly busHz?: number;
}

export class MockI2cController implements I2cController {
  readonly name: string;
  readonly repeatedStart: boolean;
  readonly maxTransferBytes: number;
  readonly log: MockI2cTransferRecord[] = [];
  readonly faults = new BusFaults();
  private readonly clock: Clock;
  private readonly bitUs: number;
  private readonly byAddr = new Map<number, I2cSlaveModel>();

  constructor(opts: MockI2cOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.repeatedStart = opts.repeatedStart ?? true;
    this.maxTransferBytes = opts.maxTransferBytes ?? 8192;
    this.bitUs = 1e6 / (opts.busHz ?? 400_000);
  }

  /** Puts a model on the bus at all of its addresses; an address already taken is EBUSY. */
  attach(model: I2cSlaveModel): void {
    for (const a of model.addresses) {
      if (this.byAddr.has(a)) throw new HilError('EBUSY', `${this.name}: address 0x${a.toString(16)} is already taken by another model`);
    }
    for (const a of model.addresses) this.byAddr.set(a, model);
  }

  pins(address: number): PartPins | undefined {
    return this.model(address)?.pins?.();
  }

  model(addr: number): I2cSlaveModel | undefined {
    return this.byAddr.get(addr);
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  async transfer(msgs: readonly I2cMessage[]): Promise<void> {
    this.run(msgs);
  }

  /** Runs one transfer synchronously. */
  run(msgs: readonly I2cMessage[]): void {
    for (const m of msgs) {
      if (!Number.isInteger(m.addr) || m.addr < 0 || m.addr > 0x7f) {
        throw new HilError('EINVAL', `${this.name}: address ${m.addr} is not a 7-bit I2C address`);
      }
      if (m.buf.length > this.maxTransferBytes) {
        throw new HilError('EMSGSIZE', `${this.name}: message of ${m.buf.length} bytes exceeds the bus limit of ${this.maxTransferBytes}`);
      }
    }
    const fault = this.faults.next();
    const records: MockI2cMessageRecord[] = [];
    let active: I2cSlaveModel | undefined;
    const stop = (): void => {
      active?.stop();
      active = undefined;
      this.clock.advanceUs(this.bitUs);
    };
    const fail = (code: ErrnoCode, message: string): never => {
      stop();
      this.log.push({ msgs: records, error: code });
      throw new HilError(code, message);
    };
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (fault && i === fault.afterOps) fail(fault.code, `${this.name}: injected bus error before message ${i}`);
      if (i > 0 && !this.repeatedStart) stop();
      // (repeated) START, address byte
      const target = this.byAddr.get(m.addr);
      if (active && active !== target) active.stop(); // a repeated START to another chip ends the first one's command
      active = target;
      this.clock.advanceUs(this.bitUs * 10);
      const acked = target?.start(m.addr, m.read) ?? false;
      if (!acked) {
        records.push({ addr: m.addr, read: m.read, data: new Uint8Array(0), acked: false });
        fail('EREMOTEIO', `${this.name}: no device acknowledged address 0x${m.addr.toString(16)} (absent, or busy in a write cycle)`);
      }
      if (m.read) {
        for (let b = 0; b < m.buf.length; b++) m.buf[b] = target!.read() & 0xff;
        records.push({ addr: m.addr, read: true, data: m.buf.slice(), acked: true });
      } else {
        for (let b = 0; b < m.buf.length; b++) {
          if (!target!.write(m.buf[b]!)) {
            records.push({ addr: m.addr, read: false, data: m.buf.slice(0, b + 1), acked: false });
            this.clock.advanceUs(this.bitUs * 9 * (b + 1));
            fail('EREMOTEIO', `${this.name}: device 0x${m.addr.toString(16)} did not acknowledge byte ${b} of a write`);
          }
        }
        records.push({ addr: m.addr, read: false, data: m.buf.slice(), acked: true });
      }
      this.clock.advanceUs(this.bitUs * 9 * m.buf.length);
    }
    stop();
    if (fault && fault.afterOps >= msgs.length) {
      this.log.push({ msgs: records, error: fault.code });
      throw new HilError(fault.code, `${this.name}: injected bus error after the transfer`);
    }
    this.log.push({ msgs: records });
  }
}
