/**
 * `I2cDeviceApi` for user threads: one `i2c_transfer` syscall per transfer, with the same
 * in-place, lease or bounce handling of buffers as the SPI stub.
 */
import { encodeI2cMsg, I2C_MSG_DESC_SIZE, I2C_MSG_READ, type I2cMessage } from '../abi/i2c';
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import { I2C_MAX_MSGS } from '../abi/syscalls';
import type { I2cDeviceApi } from './device-api';
import type { UserMemory } from './memory';
import { busWindow } from './spi';
import type { Sys } from './syscall';

export class UserI2cDevice implements I2cDeviceApi {
  readonly #sys: Sys;
  readonly #mem: UserMemory;
  readonly #handle: number;
  readonly maxTransferBytes: number;
  readonly repeatedStart: boolean;

  constructor(sys: Sys, mem: UserMemory, handle: number, maxTransferBytes: number, repeatedStart: boolean) {
    this.#sys = sys;
    this.#mem = mem;
    this.#handle = handle;
    this.maxTransferBytes = maxTransferBytes;
    this.repeatedStart = repeatedStart;
  }

  async transfer(msgs: readonly I2cMessage<BusBuffer>[]): Promise<void> {
    if (msgs.length === 0) return;
    if (msgs.length > I2C_MAX_MSGS) throw new HilError('EINVAL', `${msgs.length} messages in one transfer; at most ${I2C_MAX_MSGS}`);
    return this.#mem.withScratch(() => this.#run(msgs));
  }

  async #run(msgs: readonly I2cMessage<BusBuffer>[]): Promise<void> {
    const mem = this.#mem;
    const descs = mem.scratch(msgs.length * I2C_MSG_DESC_SIZE);
    const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
    const copyBack: [Uint8Array, Uint8Array][] = [];
    msgs.forEach((m, i) => {
      const ref = busWindow(mem, m.buf, m.buf.length, !m.read, copyBack);
      encodeI2cMsg(view, i * I2C_MSG_DESC_SIZE, { part: ref.part, off: ref.off, len: ref.len, flags: m.read ? I2C_MSG_READ : 0, addr: m.addr, reserved: 0 });
    });
    await this.#sys.call('i2c_transfer', this.#handle, mem.ref(descs)!);
    for (const [bounce, target] of copyBack) target.set(bounce);
  }
}
