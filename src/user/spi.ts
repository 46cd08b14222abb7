/**
 * `SpiDeviceApi` for user threads: one `spi_transfer` syscall per transaction.
 *
 * Descriptors are written into the thread's syscall scratch. Buffers that already lie in a
 * partition of the thread's domain (from `alloc`) are named in place, and so are lease windows
 * (the kernel reads or fills the lender's memory directly); any other Uint8Array is bounced
 * through scratch (tx copied in before, rx copied out after), so a driver may use any buffer.
 */
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import { encodeSpiXfer, SPI_XFER_DESC_SIZE, type SpiTransfer } from '../abi/spi';
import { type BufRef, SPI_MAX_XFERS } from '../abi/syscalls';
import type { SpiDeviceApi } from './device-api';
import { isLease } from './lease';
import type { UserMemory } from './memory';
import type { Sys } from './syscall';

/** Names a bus buffer as a syscall window: a lease or a partition view in place, anything else bounced. */
export function busWindow(mem: UserMemory, b: BusBuffer, len: number, copyIn: boolean, copyBack: [Uint8Array, Uint8Array][]): BufRef {
  if (isLease(b)) return { part: b.lease, off: b.offset, len: Math.min(len, b.length) };
  if (!(b instanceof Uint8Array)) throw new HilError('EINVAL', 'a bus buffer must be a Uint8Array or a lease window');
  const view = b.length > len ? b.subarray(0, len) : b;
  const ref = mem.ref(view);
  if (ref) return ref;
  const bounce = mem.scratch(view.length);
  if (copyIn) bounce.set(view);
  else copyBack.push([bounce, view]);
  return mem.ref(bounce)!;
}

export class UserSpiDevice implements SpiDeviceApi {
  readonly #sys: Sys;
  readonly #mem: UserMemory;
  readonly #handle: number;
  readonly maxTransferBytes: number;

  constructor(sys: Sys, mem: UserMemory, handle: number, maxTransferBytes: number) {
    this.#sys = sys;
    this.#mem = mem;
    this.#handle = handle;
    this.maxTransferBytes = maxTransferBytes;
  }

  async transfer(xfers: readonly SpiTransfer<BusBuffer>[]): Promise<void> {
    if (xfers.length === 0) return;
    if (xfers.length > SPI_MAX_XFERS) throw new HilError('EINVAL', `${xfers.length} transfers in one transaction; at most ${SPI_MAX_XFERS}`);
    return this.#mem.withScratch(() => this.#run(xfers));
  }

  async #run(xfers: readonly SpiTransfer<BusBuffer>[]): Promise<void> {
    const mem = this.#mem;
    const descs = mem.scratch(xfers.length * SPI_XFER_DESC_SIZE);
    const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
    const copyBack: [Uint8Array, Uint8Array][] = [];
    xfers.forEach((x, i) => {
      const tx = x.tx ? busWindow(mem, x.tx, x.len, true, copyBack) : undefined;
      const rx = x.rx ? busWindow(mem, x.rx, x.len, false, copyBack) : undefined;
      encodeSpiXfer(view, i * SPI_XFER_DESC_SIZE, {
        txPart: tx?.part ?? 0,
        txOff: tx?.off ?? 0,
        rxPart: rx?.part ?? 0,
        rxOff: rx?.off ?? 0,
        len: x.len,
        speedHz: x.speedHz ?? 0,
        delayUs: x.delayUs ?? 0,
        bitsPerWord: x.bitsPerWord ?? 0,
        csChange: x.csChange ?? false,
        reserved: 0,
      });
    });
    await this.#sys.call('spi_transfer', this.#handle, mem.ref(descs)!);
    for (const [bounce, target] of copyBack) target.set(bounce);
  }

  /** @deprecated The earlier name of `transfer`, kept so that programs written for it still run. */
  transaction(xfers: readonly SpiTransfer<BusBuffer>[]): Promise<void> {
    return this.transfer(xfers);
  }

  async lock(timeoutMs: number): Promise<void> {
    await this.#sys.call('spi_lock', this.#handle, timeoutMs);
  }

  async unlock(): Promise<void> {
    await this.#sys.call('spi_unlock', this.#handle);
  }
}
