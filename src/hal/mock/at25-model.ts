/**
 * A datasheet-accurate model of an AT25-family SPI EEPROM (AT25010 … AT25M01, 25AA/25LC, M95xxx).
 *
 * Behaviour modelled, per the AT25 datasheets (see shared REFERENCE.md):
 * - opcodes WREN, WRDI, RDSR, WRSR, READ, WRITE; anything else is ignored (MISO stays high);
 * - 1-, 2- or 3-byte addresses; on 1-byte parts bit 3 of READ/WRITE carries A8 (AT25040);
 *   address bits beyond the part's size are "don't care" (aliasing);
 * - READ auto-increments and rolls over at the end of the array;
 * - WRITE needs WEL, latches 1..page bytes that wrap inside the page, and takes effect only when
 *   chip select rises after whole bytes; WEL clears when the write cycle completes;
 * - status register WIP, WEL, BP1:BP0, WPEN; BP-protected writes are silently ignored (WEL clears);
 *   WPEN with the WP pin low makes the status register read-only;
 * - during the write cycle (tWC) only RDSR is answered.
 */
import type { Clock } from '../clock';
import type { SpiSlaveModel } from './spi-slave';

export const AT25_OP = { WRSR: 0x01, WRITE: 0x02, READ: 0x03, WRDI: 0x04, RDSR: 0x05, WREN: 0x06 } as const;
export const AT25_SR = { WIP: 0x01, WEL: 0x02, BP0: 0x04, BP1: 0x08, WPEN: 0x80 } as const;

export interface At25Geometry {
  readonly size: number;
  readonly pageSize: number;
  /** 8, 9 (A8 in the opcode), 16 or 24. */
  readonly addressWidth: 8 | 9 | 16 | 24;
}

export interface At25ModelOptions extends At25Geometry {
  readonly clock: Clock;
  /** Write-cycle time tWC in microseconds. */
  readonly writeCycleUs?: number;
  /** Initial contents; defaults to erased (0xff). Shared, so a file-backed image sees writes. */
  readonly memory?: Uint8Array;
}

type Phase = 'opcode' | 'address' | 'data' | 'status-out' | 'status-in' | 'ignore';

export class At25Model implements SpiSlaveModel {
  readonly geometry: At25Geometry;
  readonly memory: Uint8Array;
  /** WP pin level: true = high (not asserted). */
  wpPin = true;
  /** Counts of completed internal write cycles (page writes and status writes). */
  writeCycles = 0;

  private readonly clock: Clock;
  private readonly tWC: number;
  private readonly addrBytes: number;
  private sr = 0; // WEL, BP0, BP1, WPEN (WIP is derived from busyUntil)
  private busyUntil = -1;
  private welClearsAtCycleEnd = false;

  // per-selection state
  private phase: Phase = 'opcode';
  private opcode = 0;
  private addr = 0;
  private addrLeft = 0;
  private latch: { offset: number; value: number }[] = [];
  private statusIn: number | undefined;

  constructor(opts: At25ModelOptions) {
    this.geometry = { size: opts.size, pageSize: opts.pageSize, addressWidth: opts.addressWidth };
    this.clock = opts.clock;
    this.tWC = opts.writeCycleUs ?? 5000;
    this.addrBytes = opts.addressWidth <= 9 ? 1 : opts.addressWidth / 8;
    this.memory = opts.memory ?? new Uint8Array(opts.size).fill(0xff);
    if (this.memory.length !== opts.size) throw new RangeError(`memory is ${this.memory.length} bytes, part is ${opts.size}`);
  }

  /** Status register as RDSR would return it now. */
  status(): number {
    this.settle();
    return this.sr | (this.busy() ? AT25_SR.WIP : 0);
  }

  select(): void {
    this.settle();
    this.phase = 'opcode';
    this.latch = [];
    this.statusIn = undefined;
  }

  exchange(mosi: number): number {
    switch (this.phase) {
      case 'opcode':
        return this.onOpcode(mosi);
      case 'address':
        this.addr = (this.addr << 8) | mosi;
        if (--this.addrLeft === 0) this.phase = 'data';
        return 0xff;
      case 'data':
        return this.onData(mosi);
      case 'status-out':
        return this.status();
      case 'status-in':
        if (this.statusIn === undefined) this.statusIn = mosi;
        return 0xff;
      case 'ignore':
        return 0xff;
    }
  }

  deselect(): void {
    this.settle();
    if (this.busy()) return;
    const op = this.baseOpcode(this.opcode);
    if (this.phase === 'opcode') return; // selected and released without a command
    if (op === AT25_OP.WREN) this.sr |= AT25_SR.WEL;
    else if (op === AT25_OP.WRDI) this.sr &= ~AT25_SR.WEL;
    else if (op === AT25_OP.WRITE && this.phase === 'data') this.commitWrite();
    else if (op === AT25_OP.WRSR && this.statusIn !== undefined) this.commitStatus(this.statusIn);
  }

  private onOpcode(mosi: number): number {
    this.opcode = mosi;
    if (this.busy()) {
      this.phase = mosi === AT25_OP.RDSR ? 'status-out' : 'ignore';
      return 0xff;
    }
    const op = this.baseOpcode(mosi);
    if (op === AT25_OP.RDSR) this.phase = 'status-out';
    else if (op === AT25_OP.WRSR) this.phase = this.sr & AT25_SR.WEL ? 'status-in' : 'ignore';
    else if (op === AT25_OP.READ || op === AT25_OP.WRITE) {
      this.addr = this.addrBytes === 1 && mosi & 0x08 ? 1 : 0;
      this.addrLeft = this.addrBytes;
      this.phase = 'address';
      if (op === AT25_OP.WRITE && !(this.sr & AT25_SR.WEL)) this.phase = 'ignore';
    } else if (op === AT25_OP.WREN || op === AT25_OP.WRDI) this.phase = 'ignore';
    else {
      this.opcode = -1; // unknown opcode: the chip ignores the whole selection
      this.phase = 'ignore';
    }
    return 0xff;
  }

  private onData(mosi: number): number {
    const { size, pageSize } = this.geometry;
    if (this.baseOpcode(this.opcode) === AT25_OP.READ) {
      const v = this.memory[this.addr % size]!;
      this.addr = (this.addr + 1) % size;
      return v;
    }
    // WRITE: the page latch wraps inside the page
    const start = this.addr % size;
    const pageBase = start - (start % pageSize);
    const offset = pageBase + ((start - pageBase + this.latch.length) % pageSize);
    this.latch.push({ offset, value: mosi });
    return 0xff;
  }

  private commitWrite(): void {
    if (this.latch.length === 0) return;
    if (this.latch.some((b) => this.isProtected(b.offset))) {
      this.sr &= ~AT25_SR.WEL; // silently ignored, as silicon does
      return;
    }
    for (const b of this.latch) this.memory[b.offset] = b.value; // later bytes win after a wrap
    this.startCycle();
  }

  private commitStatus(value: number): void {
    const hardwareProtected = (this.sr & AT25_SR.WPEN) !== 0 && !this.wpPin;
    if (hardwareProtected) {
      this.sr &= ~AT25_SR.WEL;
      return;
    }
    const writable = AT25_SR.BP0 | AT25_SR.BP1 | AT25_SR.WPEN;
    this.sr = (this.sr & ~writable) | (value & writable);
    this.startCycle();
  }

  private startCycle(): void {
    this.busyUntil = this.clock.nowUs() + this.tWC;
    this.welClearsAtCycleEnd = true;
    this.writeCycles++;
    this.settle();
  }

  /** Ends a finished write cycle: WIP and WEL clear. */
  private settle(): void {
    if (this.welClearsAtCycleEnd && !this.busy()) {
      this.sr &= ~AT25_SR.WEL;
      this.welClearsAtCycleEnd = false;
    }
  }

  private busy(): boolean {
    return this.clock.nowUs() < this.busyUntil;
  }

  private baseOpcode(op: number): number {
    return this.addrBytes === 1 ? op & ~0x08 : op;
  }

  isProtected(offset: number): boolean {
    const { size } = this.geometry;
    const bp = (this.sr >> 2) & 3;
    if (bp === 0) return false;
    const from = bp === 1 ? (size * 3) / 4 : bp === 2 ? size / 2 : 0;
    return offset >= from;
  }
}
