/**
 * `SpiDeviceApi` for user threads: one `spi_transceive` syscall per transaction.
 *
 * Descriptors are written into the thread's syscall scratch. Buffers that already lie in a
 * partition of the thread's domain (from `alloc`) are named in place; others are bounced through
 * scratch (tx copied in before, rx copied out after), so a driver may use any Uint8Array.
 */
import { encodeSpiXfer, SPI_XFER_DESC_SIZE } from '../abi/spi';
import { HilError } from '../abi/errno';
import type { BufRef } from '../abi/syscalls';
import { SPI_MAX_XFERS } from '../abi/syscalls';
import type { SpiDeviceApi, SpiOp } from './device-api';
import type { UserMemory } from './memory';
import type { Sys } from './syscall';

export class UserSpiDevice implements SpiDeviceApi {
  constructor(
    private readonly sys: Sys,
    private readonly mem: UserMemory,
    readonly handle: number,
    readonly maxTransferBytes: number,
  ) {}

  async transaction(ops: readonly SpiOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > SPI_MAX_XFERS) throw new HilError('EINVAL', `${ops.length} transfers in one transaction; at most ${SPI_MAX_XFERS}`);
    return this.mem.withScratch(() => this.run(ops));
  }

  private async run(ops: readonly SpiOp[]): Promise<void> {
    const descs = this.mem.scratch(ops.length * SPI_XFER_DESC_SIZE);
    const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
    const copyBack: [Uint8Array, Uint8Array][] = [];
    ops.forEach((op, i) => {
      const tx = op.tx ? this.window(op.tx.subarray(0, op.len), true) : undefined;
      let rx: BufRef | undefined;
      if (op.rx) {
        const target = op.rx.subarray(0, op.len);
        rx = this.mem.ref(target);
        if (!rx) {
          const bounce = this.mem.scratch(op.len);
          copyBack.push([bounce, target]);
          rx = this.mem.ref(bounce)!;
        }
      }
      encodeSpiXfer(view, i * SPI_XFER_DESC_SIZE, {
        txPart: tx?.part ?? 0,
        txOff: tx?.off ?? 0,
        rxPart: rx?.part ?? 0,
        rxOff: rx?.off ?? 0,
        len: op.len,
        speedHz: op.speedHz ?? 0,
        delayUs: op.delayUs ?? 0,
        bitsPerWord: op.bitsPerWord ?? 0,
        csChange: op.csChange ?? false,
        reserved: 0,
      });
    });
    await this.sys.call('spi_transceive', this.handle, this.mem.ref(descs)!);
    for (const [bounce, target] of copyBack) target.set(bounce.subarray(0, target.length));
  }

  async lock(timeoutMs: number): Promise<void> {
    await this.sys.call('spi_lock', this.handle, timeoutMs);
  }

  async unlock(): Promise<void> {
    await this.sys.call('spi_unlock', this.handle);
  }

  /** Names a buffer in place, or copies it into scratch first. */
  private window(data: Uint8Array, copyIn: boolean): BufRef {
    const ref = this.mem.ref(data);
    if (ref) return ref;
    const bounce = this.mem.scratch(data.length);
    if (copyIn) bounce.set(data);
    return this.mem.ref(bounce)!;
  }
}
