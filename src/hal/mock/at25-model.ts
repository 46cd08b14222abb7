/**
 * A datasheet-accurate model of an AT25-family SPI EEPROM (AT25010 … AT25M01, 25AA/25LC, M95xxx).
 *
 * Behaviour modelled, per the Atmel/Microchip AT25 datasheets (AT25010..AT25512, AT25M01):
 * - opcodes WREN 06, WRDI 04, RDSR 05, WRSR 01, READ 03, WRITE 02; any other opcode makes the chip
 *   ignore the whole selection (MISO stays high);
 * - 1-, 2- or 3-byte addresses; on 1-byte parts bit 3 of READ/WRITE carries A8 (AT25040) and is
 *   "don't care" on smaller ones; address bits beyond the part's size are ignored (aliasing);
 * - READ auto-increments and rolls over at the end of the array; RDSR repeats the status while
 *   chip select stays low (WIP is live);
 * - WREN/WRDI act when chip select rises; WRITE needs WEL, latches bytes that wrap inside the page,
 *   and starts the write cycle only when chip select rises after a whole data byte;
 * - status register WIP, WEL, BP1:BP0, WPEN (bits 4–6 read 0); WRSR needs WEL and starts a cycle;
 *   WEL clears when a WRITE/WRSR cycle ends, after WRDI, and at power-up;
 * - a WRITE into a BP-protected block is silently ignored (no cycle, WEL clears), as silicon does;
 * - WPEN with the WP pin low makes the status register read-only (WRSR ignored, WEL clears);
 * - during the write cycle (tWC) only RDSR is answered; everything else is ignored;
 * - HOLD low with the chip selected pauses the serial interface: bytes clocked meanwhile are
 *   ignored and SO is high-impedance (a floating MISO reads 0xff on the mock buses); HOLD high
 *   resumes the command exactly where it paused. HOLD does not touch a running write cycle, and
 *   while the chip is deselected it has no effect.
 * Not modelled: bit-level (non-byte-aligned) chip-select and HOLD edges: the model sees whole bytes,
 * so HOLD takes effect between bytes (the datasheet wants its edges while SCK is low anyway).
 *
 * Pins: `setPin('wp' | 'hold', level)` and `pin(...)`, physical levels (1 = high = not asserted);
 * both idle high. `wpPin` (true = high) is the older boolean view of the WP pin.
 *
 * Time comes from a `Clock` the tests own; `faults` switches on misbehaviour (see faults.ts).
 * Persistence: the array goes to the backing store page by page, and the non-volatile status bits
 * (BP1, BP0, WPEN) to the store's registers, so a file image remembers `protect` across runs.
 */
import type { Clock } from '../clock';
import { commitLatch, noEepromFaults, type EepromFaults } from './faults';
import { RamStore, type MemoryStore } from './image';
import type { SpiSlaveModel } from './spi-slave';
import type { PartPins } from '../gpio';

export const AT25_OP = { WRSR: 0x01, WRITE: 0x02, READ: 0x03, WRDI: 0x04, RDSR: 0x05, WREN: 0x06 } as const;
export const AT25_SR = { WIP: 0x01, WEL: 0x02, BP0: 0x04, BP1: 0x08, WPEN: 0x80 } as const;
/** Status bits that survive a power cycle (written by WRSR): BP0, BP1, WPEN. */
const NV_BITS = AT25_SR.BP0 | AT25_SR.BP1 | AT25_SR.WPEN;

export interface At25Geometry {
  readonly size: number;
  readonly pageSize: number;
  /** 8, 9 (A8 in the opcode), 16 or 24. */
  readonly addressWidth: 8 | 9 | 16 | 24;
}

export interface At25ModelOptions extends At25Geometry {
  readonly clock: Clock;
  /** Write-cycle time tWC in microseconds (default 5000, the datasheet maximum). */
  readonly writeCycleUs?: number;
  /** Initial contents, shared (the model writes into it); defaults to erased (0xff). */
  readonly memory?: Uint8Array;
  /** Backing store told about every completed write (e.g. a `FileImage`); overrides `memory`. */
  readonly store?: MemoryStore;
  /**
   * Initial status register bits BP0, BP1, WPEN (as if written before power-up). Registers a
   * `store` saved in an earlier run (a file image's sidecar) take precedence: they are the chip's.
   */
  readonly status?: number;
}

type Phase = 'opcode' | 'command' | 'address' | 'data' | 'status-out' | 'status-in' | 'ignore';

/** The AT25's control pins, both active low: /WP (pin 3) and /HOLD (pin 7). */
export type At25Pin = 'wp' | 'hold';

export class At25Model implements SpiSlaveModel {
  readonly geometry: At25Geometry;
  readonly memory: Uint8Array;
  /** Completed-or-running internal write cycles (page writes and status writes). */
  writeCycles = 0;
  /** Switches for misbehaviour; see faults.ts. */
  readonly faults: EepromFaults = noEepromFaults();
  /** Write-cycle time tWC in microseconds: how long a page or status write keeps the chip busy. */
  readonly writeCycleUs: number;

  private readonly clock: Clock;
  private readonly addrBytes: number;
  private readonly store: MemoryStore;
  private sr = 0; // WEL, BP0, BP1, WPEN (WIP is derived from busyUntil)
  private busyUntil = -1;
  private welClearsAtCycleEnd = false;

  // per-selection state
  private phase: Phase = 'opcode';
  private opcode = 0;
  private addr = 0;
  private addrLeft = 0;
  private latch = new Map<number, number>();
  private latchCount = 0;
  private statusIn: number | undefined;
  private selected = false;
  private readonly levels: Record<At25Pin, 0 | 1> = { wp: 1, hold: 1 };

  constructor(opts: At25ModelOptions) {
    const { size, pageSize, addressWidth } = opts;
    if (![8, 9, 16, 24].includes(addressWidth)) throw new RangeError(`address width ${addressWidth} must be 8, 9, 16 or 24`);
    if (!(size > 0) || !(pageSize > 0) || size % pageSize !== 0) throw new RangeError(`size ${size} must be a multiple of page size ${pageSize}`);
    this.geometry = { size, pageSize, addressWidth };
    this.clock = opts.clock;
    this.writeCycleUs = opts.writeCycleUs ?? 5000;
    this.addrBytes = addressWidth <= 9 ? 1 : addressWidth / 8;
    this.store = opts.store ?? new RamStore(opts.memory ?? opts.size);
    this.memory = this.store.bytes;
    if (this.memory.length !== size) throw new RangeError(`memory is ${this.memory.length} bytes, part is ${size}`);
    this.sr = (this.store.savedRegisters?.status ?? opts.status ?? 0) & NV_BITS;
  }

  /** Drives a control pin to a physical level (1 = high, not asserted). */
  setPin(pin: At25Pin, level: 0 | 1): void {
    if (pin !== 'wp' && pin !== 'hold') throw new RangeError(`the AT25 has no pin ${String(pin)} (it has wp and hold)`);
    if (level !== 0 && level !== 1) throw new RangeError(`pin level must be 0 or 1, got ${String(level)}`);
    this.levels[pin] = level;
  }

  /** The physical level a control pin is held at. */
  pin(pin: At25Pin): 0 | 1 {
    return this.levels[pin];
  }

  /** The WP and HOLD pins, for simulated GPIO lines to drive. */
  pins(): PartPins {
    return {
      wp: { level: () => this.pin('wp'), drive: (l) => this.setPin('wp', l) },
      hold: { level: () => this.pin('hold'), drive: (l) => this.setPin('hold', l) },
    };
  }

  /** WP pin level as a boolean: true = high (not asserted). Same as `pin('wp') === 1`. */
  get wpPin(): boolean {
    return this.levels.wp === 1;
  }

  set wpPin(high: boolean) {
    this.setPin('wp', high ? 1 : 0);
  }

  /** True while chip select is asserted (a transaction is on the wire). */
  get chipSelected(): boolean {
    return this.selected;
  }

  /** True while the serial interface is paused: selected with HOLD low. */
  get held(): boolean {
    return this.selected && this.levels.hold === 0;
  }

  /** Status register as RDSR would return it now. */
  status(): number {
    this.settle();
    return this.sr | (this.busy() ? AT25_SR.WIP : 0);
  }

  /** Power cycle: a running write cycle completes, WEL clears, per-selection state resets. */
  powerCycle(): void {
    this.busyUntil = -1;
    this.welClearsAtCycleEnd = false;
    this.faults.stuckBusy = false;
    this.sr &= ~AT25_SR.WEL;
    this.phase = 'opcode';
  }

  select(): void {
    this.settle();
    this.selected = true;
    this.phase = 'opcode';
    this.opcode = 0;
    this.latch.clear();
    this.latchCount = 0;
    this.statusIn = undefined;
  }

  exchange(mosi: number): number {
    if (this.held) return 0xff; // paused: SI ignored, SO high-impedance
    switch (this.phase) {
      case 'opcode':
        return this.onOpcode(mosi & 0xff);
      case 'address':
        this.addr = (this.addr << 8) | (mosi & 0xff);
        if (--this.addrLeft === 0) this.phase = 'data';
        return 0xff;
      case 'data':
        return this.onData(mosi & 0xff);
      case 'status-out':
        return this.status();
      case 'status-in':
        if (this.statusIn === undefined) this.statusIn = mosi & 0xff;
        return 0xff;
      case 'command':
      case 'ignore':
        return 0xff;
    }
  }

  deselect(): void {
    this.settle();
    this.selected = false;
    const phase = this.phase;
    this.phase = 'opcode';
    if (phase === 'opcode' || phase === 'ignore' || this.busy()) return;
    const op = this.baseOpcode(this.opcode);
    if (op === AT25_OP.WREN) this.sr |= AT25_SR.WEL;
    else if (op === AT25_OP.WRDI) this.sr &= ~AT25_SR.WEL;
    else if (op === AT25_OP.WRITE && phase === 'data') this.commitWrite();
    else if (op === AT25_OP.WRSR && this.statusIn !== undefined) this.commitStatus(this.statusIn);
  }

  /** True when a write to `offset` would be ignored because of BP1:BP0. */
  isProtected(offset: number): boolean {
    const { size } = this.geometry;
    const bp = (this.sr >> 2) & 3;
    if (bp === 0) return false;
    const from = bp === 1 ? size - size / 4 : bp === 2 ? size / 2 : 0;
    return offset >= from;
  }

  private onOpcode(mosi: number): number {
    this.opcode = mosi;
    if (this.busy()) {
      this.phase = mosi === AT25_OP.RDSR ? 'status-out' : 'ignore';
      return 0xff;
    }
    const op = this.baseOpcode(mosi);
    switch (op) {
      case AT25_OP.RDSR:
        this.phase = 'status-out';
        break;
      case AT25_OP.WRSR:
        this.phase = 'status-in';
        break;
      case AT25_OP.READ:
      case AT25_OP.WRITE:
        this.addr = this.addrBytes === 1 && mosi & 0x08 ? 1 : 0;
        this.addrLeft = this.addrBytes;
        this.phase = 'address';
        break;
      case AT25_OP.WREN:
      case AT25_OP.WRDI:
        this.phase = 'command'; // acts when chip select rises
        break;
      default:
        this.phase = 'ignore'; // unknown opcode: the chip ignores the whole selection
    }
    return 0xff;
  }

  private onData(mosi: number): number {
    const { size, pageSize } = this.geometry;
    const start = this.addr % size;
    if (this.baseOpcode(this.opcode) === AT25_OP.READ) {
      let v = this.memory[start]!;
      const flip = this.faults.flipOnRead;
      if (flip && flip.offset === start) v ^= flip.mask;
      this.addr = (start + 1) % size;
      return v;
    }
    // WRITE: the page latch wraps inside the page; a later byte for the same cell wins
    const pageBase = start - (start % pageSize);
    const offset = pageBase + ((start - pageBase + this.latchCount) % pageSize);
    this.latch.set(offset, mosi);
    this.latchCount++;
    return 0xff;
  }

  private commitWrite(): void {
    if (!(this.sr & AT25_SR.WEL) || this.latch.size === 0) return;
    for (const offset of this.latch.keys()) {
      if (this.isProtected(offset)) {
        this.sr &= ~AT25_SR.WEL; // silently ignored, as silicon does
        return;
      }
    }
    commitLatch(this.latch, this.store, this.faults);
    this.startCycle();
  }

  private commitStatus(value: number): void {
    if (!(this.sr & AT25_SR.WEL)) return;
    const hardwareProtected = (this.sr & AT25_SR.WPEN) !== 0 && !this.wpPin;
    if (hardwareProtected) {
      this.sr &= ~AT25_SR.WEL;
      return;
    }
    this.sr = (this.sr & ~NV_BITS) | (value & NV_BITS);
    // The bits are non-volatile: a backing store that keeps registers (a file image) saves them.
    this.store.saveRegisters?.({ status: this.sr & NV_BITS });
    this.startCycle();
  }

  private startCycle(): void {
    this.busyUntil = this.clock.nowUs() + this.writeCycleUs;
    this.welClearsAtCycleEnd = true;
    this.writeCycles++;
    if (this.faults.hangOnCycle > 0 && --this.faults.hangOnCycle === 0) this.faults.stuckBusy = true;
  }

  /** Ends a finished write cycle: WIP and WEL clear. */
  private settle(): void {
    if (this.welClearsAtCycleEnd && !this.busy()) {
      this.sr &= ~AT25_SR.WEL;
      this.welClearsAtCycleEnd = false;
    }
  }

  private busy(): boolean {
    return this.faults.stuckBusy || this.clock.nowUs() < this.busyUntil;
  }

  private baseOpcode(op: number): number {
    return this.addrBytes === 1 ? op & ~0x08 : op;
  }
}
