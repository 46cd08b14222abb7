/**
 * A datasheet-accurate model of an AT24-family I2C EEPROM (AT24C01 … AT24C512, AT24CM01,
 * 24AA/24LC compatibles), driven by the mock I2C controller through `I2cSlaveModel`.
 *
 * Behaviour modelled (Atmel/Microchip AT24Cxx datasheets):
 * - the chip answers on `span` consecutive 7-bit addresses: the memory-address bits that do not
 *   fit in the 1- or 2-byte word address (A8–A10 of AT24C04/08/16, A16 of AT24CM01) are the low
 *   bits of the device address;
 * - a write message sets the address pointer from device-address bits + word address; data bytes
 *   go to a page latch that wraps inside the page; the write cycle starts only at a STOP after at
 *   least one data byte (a repeated START aborts it; a word address alone is a "dummy write");
 * - reads start at the address pointer (current-address read) and roll over at the end of the
 *   whole array; the pointer persists across STOP, so a random read works without repeated START;
 * - during the write cycle (tWR) the chip acknowledges nothing (acknowledge polling);
 * - WP high write-protects the whole array: address, word address and data are acknowledged but
 *   no write cycle starts and the chip is ready at once (Atmel behaviour).
 */
import type { Clock } from '../clock';
import { commitLatch, noEepromFaults, type EepromFaults } from './faults';
import type { I2cSlaveModel } from './i2c-slave';
import type { PartPins } from '../gpio';
import { RamStore, type MemoryStore } from './image';

export interface At24ModelOptions {
  readonly size: number;
  readonly pageSize: number;
  /** Word-address bits: 8 (one byte) or 16 (two bytes). */
  readonly addressWidth: 8 | 16;
  /** Lowest 7-bit device address (default 0x50); must be aligned to the part's address span. */
  readonly address?: number;
  readonly clock: Clock;
  /** Write-cycle time tWR in microseconds (default 5000, the datasheet maximum). */
  readonly writeCycleUs?: number;
  /** Initial contents, shared; defaults to erased (0xff). */
  readonly memory?: Uint8Array;
  /** Backing store told about every completed write (e.g. a `FileImage`); overrides `memory`. */
  readonly store?: MemoryStore;
}

type Phase = 'idle' | 'word' | 'data' | 'read';

export class At24Model implements I2cSlaveModel {
  readonly addresses: readonly number[];
  readonly size: number;
  readonly pageSize: number;
  readonly addressWidth: 8 | 16;
  readonly memory: Uint8Array;
  /** WP pin level: true = high = the whole array is write-protected. */
  wpPin = false;

  /** The WP pin, for a simulated GPIO line to drive. */
  pins(): PartPins {
    return { wp: { level: () => (this.wpPin ? 1 : 0), drive: (l) => (this.wpPin = l === 1) } };
  }
  writeCycles = 0;
  readonly faults: EepromFaults = noEepromFaults();
  /** The internal address pointer (next byte a current-address read returns). */
  pointer = 0;
  /** Write-cycle time tWR in microseconds: how long a page write keeps the chip from acknowledging. */
  readonly writeCycleUs: number;

  private readonly clock: Clock;
  private readonly base: number;
  private readonly store: MemoryStore;
  private busyUntil = -1;
  private phase: Phase = 'idle';
  private wordLeft = 0;
  private word = 0;
  private high = 0;
  private latch = new Map<number, number>();
  private latchStart = 0;
  private latchCount = 0;

  constructor(opts: At24ModelOptions) {
    const { size, pageSize, addressWidth } = opts;
    if (addressWidth !== 8 && addressWidth !== 16) throw new RangeError(`address width ${String(addressWidth)} must be 8 or 16`);
    if (!(size > 0) || !(pageSize > 0) || size % pageSize !== 0) throw new RangeError(`size ${size} must be a multiple of page size ${pageSize}`);
    const span = Math.max(1, Math.ceil(size / 2 ** addressWidth));
    if (span > 8) throw new RangeError(`size ${size} needs ${span} device addresses; at most 8 exist`);
    const base = opts.address ?? 0x50;
    if (!Number.isInteger(base) || base < 0x08 || base + span - 1 > 0x77 || base % span !== 0) {
      throw new RangeError(`device address 0x${base.toString(16)} must be a valid 7-bit address aligned to ${span}`);
    }
    this.size = size;
    this.pageSize = pageSize;
    this.addressWidth = addressWidth;
    this.base = base;
    this.addresses = Array.from({ length: span }, (_, i) => base + i);
    this.clock = opts.clock;
    this.writeCycleUs = opts.writeCycleUs ?? 5000;
    this.store = opts.store ?? new RamStore(opts.memory ?? size);
    this.memory = this.store.bytes;
    if (this.memory.length !== size) throw new RangeError(`memory is ${this.memory.length} bytes, part is ${size}`);
  }

  /** True between a START that addressed the chip and the STOP that ends the transfer. */
  get addressed(): boolean {
    return this.phase !== 'idle';
  }

  /** True while a write cycle runs (the chip acknowledges nothing). */
  busy(): boolean {
    return this.faults.stuckBusy || this.clock.nowUs() < this.busyUntil;
  }

  /** Power cycle: a running write cycle completes, the pointer resets. */
  powerCycle(): void {
    this.busyUntil = -1;
    this.faults.stuckBusy = false;
    this.phase = 'idle';
    this.pointer = 0;
  }

  start(addr: number, read: boolean): boolean {
    // A (repeated) START aborts a page write that has not seen its STOP.
    this.latch.clear();
    this.latchCount = 0;
    this.phase = 'idle';
    if (this.busy() || !this.addresses.includes(addr)) return false;
    if (read) {
      this.phase = 'read';
    } else {
      this.phase = 'word';
      this.high = (addr - this.base) * 2 ** this.addressWidth;
      this.word = 0;
      this.wordLeft = this.addressWidth / 8;
    }
    return true;
  }

  write(byte: number): boolean {
    switch (this.phase) {
      case 'word':
        this.word = (this.word << 8) | (byte & 0xff);
        if (--this.wordLeft === 0) {
          this.pointer = (this.high + this.word) % this.size;
          this.latchStart = this.pointer;
          this.phase = 'data';
        }
        return true;
      case 'data': {
        const pageBase = this.latchStart - (this.latchStart % this.pageSize);
        const offset = pageBase + ((this.latchStart - pageBase + this.latchCount) % this.pageSize);
        this.latch.set(offset, byte & 0xff);
        this.latchCount++;
        this.pointer = pageBase + ((offset - pageBase + 1) % this.pageSize);
        return true;
      }
      default:
        return false; // not addressed for writing
    }
  }

  read(): number {
    if (this.phase !== 'read') return 0xff;
    let v = this.memory[this.pointer]!;
    const flip = this.faults.flipOnRead;
    if (flip && flip.offset === this.pointer) v ^= flip.mask;
    this.pointer = (this.pointer + 1) % this.size;
    return v;
  }

  stop(): void {
    const phase = this.phase;
    this.phase = 'idle';
    if (phase !== 'data' || this.latch.size === 0) return;
    if (this.wpPin) return; // protected: acknowledged, no write cycle, ready at once
    commitLatch(this.latch, this.store, this.faults);
    this.latch.clear();
    this.busyUntil = this.clock.nowUs() + this.writeCycleUs;
    this.writeCycles++;
    if (this.faults.hangOnCycle > 0 && --this.faults.hangOnCycle === 0) this.faults.stuckBusy = true;
  }
}
