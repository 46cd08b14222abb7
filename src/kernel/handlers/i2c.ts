/**
 * The I2C syscall: one transfer of several messages to the addresses the device's node claims.
 *
 * Descriptors are copied out before they are checked; an address outside the device's range is
 * a permission failure (the thread was granted that chip, not the bus).
 */
import { ERRNO } from '../../abi/errno';
import { decodeI2cMsg, I2C_MSG_DESC_SIZE, I2C_MSG_READ } from '../../abi/i2c';
import type { I2cMessage } from '../../abi/i2c';
import type { SyscallContext, SyscallResult } from '../context';
import { Denied, Oops, resolveWindow, type Verified } from '../verify';

export async function i2cTransfer(ctx: SyscallContext, [dev, descs]: Verified<'i2c_transfer'>): Promise<SyscallResult> {
  const { thread: t, kernel } = ctx;
  if (descs.length === 0 || descs.length % I2C_MSG_DESC_SIZE !== 0) {
    throw new Oops('EINVAL', `i2c_transfer(msgs): ${descs.length} bytes is not a whole number of ${I2C_MSG_DESC_SIZE}-byte descriptors`);
  }
  const copy = descs.slice();
  const view = new DataView(copy.buffer);
  const msgs: I2cMessage[] = [];
  let total = 0;
  for (let at = 0; at < copy.length; at += I2C_MSG_DESC_SIZE) {
    const d = decodeI2cMsg(view, at);
    const what = `i2c_transfer(msgs[${at / I2C_MSG_DESC_SIZE}])`;
    if (d.reserved !== 0 || (d.flags & ~I2C_MSG_READ) !== 0) throw new Oops('EINVAL', `${what}: reserved bits set`);
    if (d.len === 0) throw new Oops('EINVAL', `${what}: zero-length message`);
    const read = (d.flags & I2C_MSG_READ) !== 0;
    const buf = resolveWindow(kernel.objects, t, d.part, d.off, d.len, 0x7fffffff, `${what}.buf`, read ? 'write' : 'read');
    if (d.addr < dev.address || d.addr >= dev.address + dev.addressCount) {
      throw new Denied(`${what}: address 0x${d.addr.toString(16)} is outside ${dev.name}'s range`);
    }
    total += d.len;
    msgs.push({ addr: d.addr, read, buf });
  }
  if (msgs.some((m) => m.buf.length > dev.hal.maxTransferBytes)) return [-ERRNO.EMSGSIZE, 0];
  await dev.arbiter.run(t.name, () => dev.hal.transfer(msgs));
  t.counters.busBytes += total;
  return [total, 0];
}
