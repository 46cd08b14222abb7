/**
 * A simulated SPI bus: a first-class `SpiController` whose chips are device models.
 *
 * It records every transaction in a log that tests read ("which bytes did the bus see, on which
 * chip select"), advances the models' clock by the time each transfer would take on the wire, and
 * treats a chip select with no model as a floating bus (MISO reads 0xff). `faults` fails a chosen
 * transaction with an errno, optionally after some of its transfers reached the chip.
 *
 * Timing (timing.ts): the clock of a transfer is its `speedHz`, else the device's `maxSpeedHz`
 * (the devicetree's `spi-max-frequency`). With the timing model off (the default) a transaction
 * costs its wire time on a virtual clock and no time at all on the real one. With it on
 * (`timing`), it costs wire time plus the host's per-transaction, per-transfer and chip-select
 * overheads, and `transfer` resolves only once that much time has passed on the clock, real or
 * virtual; the models see each chip-select edge and byte at its modelled time.
 */
import { HilError, type ErrnoCode } from '../../abi/errno';
import type { Clock } from '../clock';
import type { PartPins } from '../gpio';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../spi';
import { BusFaults, MOCK_LOG_KEEP } from './faults';
import type { SpiSlaveModel } from './spi-slave';
import { paceSteps, resolveTiming, runSteps, SPI_TIMING_RPI, spiXferWireUs, type BusSteps, type MockBusTime, type SpiTiming } from './timing';

export interface MockXferRecord {
  readonly tx: Uint8Array;
  readonly rx: Uint8Array;
  readonly speedHz: number;
  readonly csChange: boolean;
}

export interface MockTransactionRecord {
  readonly chipSelect: number;
  /** Transfers that reached the wire. */
  readonly xfers: readonly MockXferRecord[];
  /** Set when an injected fault failed the transaction. */
  readonly error?: ErrnoCode;
}

export interface MockSpiOptions {
  readonly name: string;
  readonly clock: Clock;
  /** Most bytes per transaction, like spidev's bufsiz. */
  readonly maxTransferBytes?: number;
  /**
   * The timing model: `true` for spidev-on-a-Raspberry-Pi overheads (`SPI_TIMING_RPI`), or some
   * of them replaced. Absent or false: off.
   */
  readonly timing?: boolean | Partial<SpiTiming>;
}

export class MockSpiController implements SpiController {
  readonly name: string;
  /**
   * Transactions as the bus saw them, oldest first: the most recent {@link MOCK_LOG_KEEP} once
   * the log reaches twice that, so that a board that runs for long (a benchmark, a service) does
   * not keep every byte it ever moved.
   */
  readonly log: MockTransactionRecord[] = [];
  readonly faults = new BusFaults();
  /** The timing model's overheads, or undefined when it is off. */
  readonly timing: SpiTiming | undefined;
  private readonly models = new Map<number, SpiSlaveModel>();
  private readonly clock: Clock;
  readonly maxTransferBytes: number;
  private busTime = { transactions: 0, wireUs: 0, overheadUs: 0 };

  private record(r: MockTransactionRecord): void {
    this.log.push(r);
    if (this.log.length >= 2 * MOCK_LOG_KEEP) this.log.splice(0, this.log.length - MOCK_LOG_KEEP);
  }

  constructor(opts: MockSpiOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.maxTransferBytes = opts.maxTransferBytes ?? 4096;
    this.timing = resolveTiming(opts.timing, SPI_TIMING_RPI, opts.name);
  }

  attach(chipSelect: number, model: SpiSlaveModel): void {
    this.models.set(chipSelect, model);
  }

  model(chipSelect: number): SpiSlaveModel | undefined {
    return this.models.get(chipSelect);
  }

  pins(chipSelect: number): PartPins | undefined {
    return this.models.get(chipSelect)?.pins?.();
  }

  /** Modelled time charged so far (a copy): the wire share of it is the bus limit. */
  get time(): MockBusTime {
    return { ...this.busTime };
  }

  async openDevice(opts: SpiDeviceOptions): Promise<SpiDevice> {
    return new MockSpiDevice(this, opts);
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  /**
   * Runs one transaction synchronously, advancing the clock by its modelled time (a real clock
   * does not wait: `transact`, what devices call, is the timed path).
   */
  run(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): void {
    runSteps(this.clock, this.steps(opts, xfers));
  }

  /** One transaction as a device runs it: with the timing model on, it takes its modelled time. */
  async transact(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): Promise<void> {
    if (this.timing) await paceSteps(this.clock, this.steps(opts, xfers));
    else this.run(opts, xfers);
  }

  private *steps(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): BusSteps {
    const total = xfers.reduce((n, x) => n + x.len, 0);
    if (total > this.maxTransferBytes) {
      throw new HilError('EMSGSIZE', `${this.name}: transaction of ${total} bytes exceeds the bus limit of ${this.maxTransferBytes}`);
    }
    const wire = xfers.map((x) => spiXferWireUs(x, opts.maxSpeedHz));
    const t = this.timing;
    const time = this.busTime;
    time.transactions++;
    const fault = this.faults.next();
    const model = this.models.get(opts.chipSelect);
    const records: MockXferRecord[] = [];
    const fail = (code: ErrnoCode, when: string): HilError => {
      this.record({ chipSelect: opts.chipSelect, xfers: records, error: code });
      return new HilError(code, `${this.name}: injected bus error on chip select ${opts.chipSelect}${when}`);
    };
    if (t) {
      time.overheadUs += t.transactionUs;
      yield t.transactionUs;
    }
    if (fault && fault.afterOps === 0) throw fail(fault.code, '');
    model?.select();
    for (let i = 0; i < xfers.length; i++) {
      const x = xfers[i]!;
      if (fault && i === fault.afterOps) {
        model?.deselect();
        throw fail(fault.code, ` after ${i} transfers`);
      }
      if (t) {
        time.overheadUs += t.transferUs;
        yield t.transferUs;
      }
      const tx = new Uint8Array(x.len);
      if (x.tx) tx.set(x.tx.subarray(0, x.len));
      const rx = new Uint8Array(x.len);
      for (let b = 0; b < x.len; b++) rx[b] = model ? model.exchange(tx[b]!) & 0xff : 0xff;
      if (x.rx) x.rx.set(rx.subarray(0, Math.min(x.len, x.rx.length)));
      const speed = x.speedHz && x.speedHz > 0 ? x.speedHz : opts.maxSpeedHz;
      time.wireUs += wire[i]!;
      yield wire[i]!;
      records.push({ tx, rx, speedHz: speed, csChange: x.csChange ?? false });
      if (x.csChange && i < xfers.length - 1) {
        model?.deselect();
        if (t) {
          time.overheadUs += t.csChangeUs;
          yield t.csChangeUs;
        }
        model?.select();
      }
    }
    model?.deselect();
    // the whole transaction reached the chip, but the controller reports a failure
    if (fault) throw fail(fault.code, ' after the transaction');
    this.record({ chipSelect: opts.chipSelect, xfers: records });
  }
}

class MockSpiDevice implements SpiDevice {
  readonly maxTransferBytes: number;
  constructor(
    private readonly bus: MockSpiController,
    private readonly opts: SpiDeviceOptions,
  ) {
    this.maxTransferBytes = bus.maxTransferBytes;
  }
  transfer(xfers: readonly SpiTransfer[]): Promise<void> {
    return this.bus.transact(this.opts, xfers);
  }
  async close(): Promise<void> {
    /* nothing held */
  }
}
