/**
 * `I2cDeviceApi` for user threads: one `i2c_transfer` syscall per transfer, with the same
 * in-place-or-bounce buffer handling as the SPI stub.
 */
import { encodeI2cMsg, I2C_MSG_DESC_SIZE, I2C_MSG_READ } from '../abi/i2c';
import { HilError } from '../abi/errno';
import { I2C_MAX_MSGS } from '../abi/syscalls';
import type { I2cDeviceApi, I2cOp } from './device-api';
import type { UserMemory } from './memory';
import type { Sys } from './syscall';

export class UserI2cDevice implements I2cDeviceApi {
  constructor(
    private readonly sys: Sys,
    private readonly mem: UserMemory,
    readonly handle: number,
    readonly maxTransferBytes: number,
    readonly repeatedStart: boolean,
  ) {}

  async transfer(ops: readonly I2cOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > I2C_MAX_MSGS) throw new HilError('EINVAL', `${ops.length} messages in one transfer; at most ${I2C_MAX_MSGS}`);
    return this.mem.withScratch(() => this.run(ops));
  }

  private async run(ops: readonly I2cOp[]): Promise<void> {
    const descs = this.mem.scratch(ops.length * I2C_MSG_DESC_SIZE);
    const view = new DataView(descs.buffer, descs.byteOffset, descs.byteLength);
    const copyBack: [Uint8Array, Uint8Array][] = [];
    ops.forEach((op, i) => {
      let ref = this.mem.ref(op.buf);
      if (!ref) {
        const bounce = this.mem.scratch(op.buf.length);
        if (op.read) copyBack.push([bounce, op.buf]);
        else bounce.set(op.buf);
        ref = this.mem.ref(bounce)!;
      }
      encodeI2cMsg(view, i * I2C_MSG_DESC_SIZE, {
        part: ref.part,
        off: ref.off,
        len: ref.len,
        flags: op.read ? I2C_MSG_READ : 0,
        addr: op.addr,
        reserved: 0,
      });
    });
    await this.sys.call('i2c_transfer', this.handle, this.mem.ref(descs)!);
    for (const [bounce, target] of copyBack) target.set(bounce);
  }
}
