/**
 * A simulated I2C bus: a first-class `I2cController` whose targets are device models.
 *
 * Each message is START (or repeated START), address + direction, then bytes; the target's ACK or
 * NACK is reported by the model. A NACK ends the transfer with a STOP and `EREMOTEIO`, as Linux
 * i2c-dev reports it. `repeatedStart: false` models i2c-dev through `i2c-bus` (no I2C_RDWR):
 * every message is its own START…STOP. Every transfer is logged; the models' clock advances by
 * the wire time (9 bit times per byte, plus START/STOP); `faults` fails a chosen transfer.
 *
 * Timing (timing.ts): the bit time is 1 / `busHz` (the devicetree's `clock-frequency`). With the
 * timing model off (the default) a transfer costs its wire time on a virtual clock and no time
 * at all on the real one. With it on (`timing`), it costs wire time plus the host's per-call and
 * per-message overheads, and `transfer` resolves only once that much time has passed on the
 * clock, real or virtual; the models see each START, byte and STOP at its modelled time, so
 * acknowledge polling during a write cycle costs what it would on a real bus.
 */
import { HilError, type ErrnoCode } from '../../abi/errno';
import type { Clock } from '../clock';
import type { PartPins } from '../gpio';
import type { I2cController, I2cMessage } from '../i2c';
import { BusFaults, MOCK_LOG_KEEP } from './faults';
import type { I2cSlaveModel } from './i2c-slave';
import { I2C_TIMING_RPI, paceSteps, resolveTiming, runSteps, type BusSteps, type I2cTiming, type MockBusTime } from './timing';

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
  /**
   * The timing model: `true` for i2c-dev-on-a-Raspberry-Pi overheads (`I2C_TIMING_RPI`), or
   * some of them replaced. Absent or false: off.
   */
  readonly timing?: boolean | Partial<I2cTiming>;
}

export class MockI2cController implements I2cController {
  readonly name: string;
  readonly repeatedStart: boolean;
  readonly maxTransferBytes: number;
  /** SCL frequency the wire time is computed with. */
  readonly busHz: number;
  /** The timing model's overheads, or undefined when it is off. */
  readonly timing: I2cTiming | undefined;
  /**
   * Transactions as the bus saw them, oldest first: the most recent {@link MOCK_LOG_KEEP} once
   * the log reaches twice that, so that a board that runs for long (a benchmark, a service) does
   * not keep every byte it ever moved.
   */
  readonly log: MockI2cTransferRecord[] = [];
  readonly faults = new BusFaults();
  private readonly clock: Clock;
  private readonly bitUs: number;
  private readonly byAddr = new Map<number, I2cSlaveModel>();
  private busTime = { transactions: 0, wireUs: 0, overheadUs: 0 };

  private record(r: MockI2cTransferRecord): void {
    this.log.push(r);
    if (this.log.length >= 2 * MOCK_LOG_KEEP) this.log.splice(0, this.log.length - MOCK_LOG_KEEP);
  }

  constructor(opts: MockI2cOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.repeatedStart = opts.repeatedStart ?? true;
    this.maxTransferBytes = opts.maxTransferBytes ?? 8192;
    this.busHz = opts.busHz ?? 400_000;
    if (!(this.busHz > 0) || !Number.isFinite(this.busHz)) throw new HilError('EINVAL', `${this.name}: bus clock ${this.busHz} Hz must be a positive number`);
    this.bitUs = 1e6 / this.busHz;
    this.timing = resolveTiming(opts.timing, I2C_TIMING_RPI, opts.name);
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

  /** Modelled time charged so far (a copy): the wire share of it is the bus limit. */
  get time(): MockBusTime {
    return { ...this.busTime };
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  /** With the timing model on, the transfer takes its modelled time before it resolves. */
  async transfer(msgs: readonly I2cMessage[]): Promise<void> {
    if (this.timing) await paceSteps(this.clock, this.steps(msgs));
    else this.run(msgs);
  }

  /**
   * Runs one transfer synchronously, advancing the clock by its modelled time (a real clock
   * does not wait: `transfer` is the timed path).
   */
  run(msgs: readonly I2cMessage[]): void {
    runSteps(this.clock, this.steps(msgs));
  }

  private *steps(msgs: readonly I2cMessage[]): BusSteps {
    for (const m of msgs) {
      if (!Number.isInteger(m.addr) || m.addr < 0 || m.addr > 0x7f) {
        throw new HilError('EINVAL', `${this.name}: address ${m.addr} is not a 7-bit I2C address`);
      }
      if (m.buf.length > this.maxTransferBytes) {
        throw new HilError('EMSGSIZE', `${this.name}: message of ${m.buf.length} bytes exceeds the bus limit of ${this.maxTransferBytes}`);
      }
    }
    const t = this.timing;
    const time = this.busTime;
    const bit = this.bitUs;
    time.transactions++;
    const fault = this.faults.next();
    const records: MockI2cMessageRecord[] = [];
    let active: I2cSlaveModel | undefined;
    let error: HilError | undefined;
    const wire = (bits: number): number => {
      time.wireUs += bits * bit;
      return bits * bit;
    };
    const overhead = (us: number): number => {
      time.overheadUs += us;
      return us;
    };
    if (t && msgs.length === 0) yield overhead(t.transactionUs);
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (fault && i === fault.afterOps) {
        error = new HilError(fault.code, `${this.name}: injected bus error before message ${i}`);
        break;
      }
      if (i > 0 && !this.repeatedStart) {
        // STOP: this message is a system call of its own
        active?.stop();
        active = undefined;
        yield wire(1);
      }
      if (t) yield overhead((i === 0 || !this.repeatedStart ? t.transactionUs : 0) + t.messageUs);
      // (repeated) START, address byte
      const target = this.byAddr.get(m.addr);
      if (active && active !== target) active.stop(); // a repeated START to another chip ends the first one's command
      active = target;
      yield wire(10);
      const acked = target?.start(m.addr, m.read) ?? false;
      if (!acked) {
        records.push({ addr: m.addr, read: m.read, data: new Uint8Array(0), acked: false });
        error = new HilError('EREMOTEIO', `${this.name}: no device acknowledged address 0x${m.addr.toString(16)} (absent, or busy in a write cycle)`);
        break;
      }
      if (m.read) {
        for (let b = 0; b < m.buf.length; b++) m.buf[b] = target!.read() & 0xff;
        records.push({ addr: m.addr, read: true, data: m.buf.slice(), acked: true });
      } else {
        let nacked = -1;
        for (let b = 0; b < m.buf.length && nacked < 0; b++) if (!target!.write(m.buf[b]!)) nacked = b;
        if (nacked >= 0) {
          records.push({ addr: m.addr, read: false, data: m.buf.slice(0, nacked + 1), acked: false });
          yield wire(9 * (nacked + 1));
          error = new HilError('EREMOTEIO', `${this.name}: device 0x${m.addr.toString(16)} did not acknowledge byte ${nacked} of a write`);
          break;
        }
        records.push({ addr: m.addr, read: false, data: m.buf.slice(), acked: true });
      }
      yield wire(9 * m.buf.length);
    }
    // STOP
    if (msgs.length > 0) {
      active?.stop();
      yield wire(1);
    }
    if (error) {
      this.record({ msgs: records, error: error.code });
      throw error;
    }
    if (fault) {
      this.record({ msgs: records, error: fault.code });
      throw new HilError(fault.code, `${this.name}: injected bus error after the transfer`);
    }
    this.record({ msgs: records });
  }
}
