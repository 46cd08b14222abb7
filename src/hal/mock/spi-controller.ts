/**
 * A simulated SPI bus: a first-class `SpiController` whose chips are device models.
 *
 * It records every transaction in a log that tests read ("which bytes did the bus see, on which
 * chip select"), advances the models' clock by the time each transfer would take on the wire, and
 * treats a chip select with no model as a floating bus (MISO reads 0xff). `faults` fails a chosen
 * transaction with an errno, optionally after some of its transfers reached the chip.
 */
import { HilError, type ErrnoCode } from '../../abi/errno';
import type { Clock } from '../clock';
import type { PartPins } from '../gpio';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../spi';
import { BusFaults } from './faults';
import type { SpiSlaveModel } from './spi-slave';

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
}

export class MockSpiController implements SpiController {
  readonly name: string;
  readonly log: MockTransactionRecord[] = [];
  readonly faults = new BusFaults();
  private readonly models = new Map<number, SpiSlaveModel>();
  private readonly clock: Clock;
  readonly maxTransferBytes: number;

  constructor(opts: MockSpiOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.maxTransferBytes = opts.maxTransferBytes ?? 4096;
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

  async openDevice(opts: SpiDeviceOptions): Promise<SpiDevice> {
    return new MockSpiDevice(this, opts);
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  /** Runs one transaction synchronously; the device wrapper makes it a promise. */
  run(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): void {
    const total = xfers.reduce((n, x) => n + x.len, 0);
    if (total > this.maxTransferBytes) {
      throw new HilError('EMSGSIZE', `${this.name}: transaction of ${total} bytes exceeds the bus limit of ${this.maxTransferBytes}`);
    }
    const fault = this.faults.next();
    const model = this.models.get(opts.chipSelect);
    const records: MockXferRecord[] = [];
    if (fault && fault.afterOps === 0) {
      this.log.push({ chipSelect: opts.chipSelect, xfers: records, error: fault.code });
      throw new HilError(fault.code, `${this.name}: injected bus error on chip select ${opts.chipSelect}`);
    }
    model?.select();
    for (let i = 0; i < xfers.length; i++) {
      const x = xfers[i]!;
      if (fault && i === fault.afterOps) {
        model?.deselect();
        this.log.push({ chipSelect: opts.chipSelect, xfers: records, error: fault.code });
        throw new HilError(fault.code, `${this.name}: injected bus error on chip select ${opts.chipSelect} after ${i} transfers`);
      }
      const tx = new Uint8Array(x.len);
      if (x.tx) tx.set(x.tx.subarray(0, x.len));
      const rx = new Uint8Array(x.len);
      for (let b = 0; b < x.len; b++) rx[b] = model ? model.exchange(tx[b]!) & 0xff : 0xff;
      if (x.rx) x.rx.set(rx.subarray(0, Math.min(x.len, x.rx.length)));
      const speed = x.speedHz && x.speedHz > 0 ? x.speedHz : opts.maxSpeedHz;
      this.clock.advanceUs((x.len * 8 * 1e6) / speed + (x.delayUs ?? 0));
      records.push({ tx, rx, speedHz: speed, csChange: x.csChange ?? false });
      if (x.csChange && i < xfers.length - 1) {
        model?.deselect();
        model?.select();
      }
    }
    model?.deselect();
    if (fault) {
      // the whole transaction reached the chip, but the controller reports a failure
      this.log.push({ chipSelect: opts.chipSelect, xfers: records, error: fault.code });
      throw new HilError(fault.code, `${this.name}: injected bus error on chip select ${opts.chipSelect} after the transaction`);
    }
    this.log.push({ chipSelect: opts.chipSelect, xfers: records });
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
  async transfer(xfers: readonly SpiTransfer[]): Promise<void> {
    this.bus.run(this.opts, xfers);
  }
  async close(): Promise<void> {
    /* nothing held */
  }
}
