/**
 * Fault injection for the mock HAL: switches a test flips on a device model or a mock controller.
 *
 * Model faults (`EepromFaults`) make a chip misbehave the way worn or broken silicon does; bus
 * faults (`BusFaults`) make the controller fail a chosen transaction with an errno, optionally
 * after part of it reached the wire. All are plain typed state: set a field, run the driver,
 * assert the documented error.
 */
import { HilError, type ErrnoCode } from '../../abi/errno';
import type { MemoryStore } from './image';

export interface EepromFaults {
  /** The chip reports busy for ever (AT25: WIP stays set; AT24: its address is never acknowledged). */
  stuckBusy: boolean;
  /** The n-th write cycle from now (1 = the next) never ends: `stuckBusy` turns on as it starts. 0: off. */
  hangOnCycle: number;
  /** A weak cell: every read of `offset` returns the stored byte XOR `mask`. */
  flipOnRead: { readonly offset: number; readonly mask: number } | undefined;
  /** The next n write cycles run (busy for tWC, latch cleared) but change nothing. `Infinity`: all. */
  dropWrites: number;
}

export function noEepromFaults(): EepromFaults {
  return { stuckBusy: false, hangOnCycle: 0, flipOnRead: undefined, dropWrites: 0 };
}

export interface BusFaultOptions {
  /** Errno the transaction fails with (default EIO). */
  readonly code?: ErrnoCode;
  /**
   * Transfers (SPI) or messages (I2C) of the failing transaction that still reach the wire before
   * the error (default 0: nothing is sent).
   */
  readonly afterOps?: number;
}

interface Armed {
  countdown: number;
  readonly code: ErrnoCode;
  readonly afterOps: number;
}

/** Fails chosen transactions of a mock controller. */
export class BusFaults {
  private armed: Armed[] = [];

  /** The n-th transaction from now (1 = the next) fails. Several can be armed at once. */
  failTransaction(nth = 1, opts: BusFaultOptions = {}): void {
    if (!Number.isInteger(nth) || nth < 1) throw new HilError('EINVAL', `failTransaction: nth ${nth} must be an integer >= 1`);
    this.armed.push({ countdown: nth, code: opts.code ?? 'EIO', afterOps: opts.afterOps ?? 0 });
  }

  /** Disarms every pending fault. */
  clear(): void {
    this.armed = [];
  }

  get pending(): number {
    return this.armed.length;
  }

  /** Called by the controller once per transaction: the fault that hits it, if any. */
  next(): { code: ErrnoCode; afterOps: number } | undefined {
    let hit: Armed | undefined;
    for (const a of this.armed) if (--a.countdown === 0 && !hit) hit = a;
    this.armed = this.armed.filter((a) => a.countdown > 0);
    return hit && { code: hit.code, afterOps: hit.afterOps };
  }
}

/**
 * Commits a model's page latch (offset → byte) to its memory at the end of a write command, as
 * both EEPROM families do when the write cycle starts, unless a `dropWrites` fault swallows it.
 */
export function commitLatch(latch: ReadonlyMap<number, number>, store: MemoryStore, faults: EepromFaults): void {
  if (faults.dropWrites > 0) {
    faults.dropWrites--;
    return;
  }
  let lo = Infinity;
  let hi = -1;
  for (const [offset, value] of latch) {
    store.bytes[offset] = value;
    lo = Math.min(lo, offset);
    hi = Math.max(hi, offset);
  }
  if (hi >= lo) store.commit(lo, hi - lo + 1);
}

/** Records a mock bus's log keeps (see MockSpiController.log): the most recent this many. */
export const MOCK_LOG_KEEP = 1000;
