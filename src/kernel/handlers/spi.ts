/**
 * SPI syscalls: transfer, lock, unlock.
 *
 * The transfer descriptors are copied out of the caller's memory before they are checked, so the
 * thread cannot change them between check and use; data buffers are then used in place (the HAL
 * reads tx from and writes rx into the partition or the lease: no copies for bulk data).
 */
import { ERRNO, HilError } from '../../abi/errno';
import { decodeSpiXfer, SPI_XFER_DESC_SIZE, type SpiTransfer } from '../../abi/spi';
import type { SyscallContext, SyscallResult } from '../context';
import { Oops, resolveWindow, type Verified } from '../verify';

const ANY_LEN = 0x7fffffff;

export async function spiTransfer(ctx: SyscallContext, [dev, descs]: Verified<'spi_transfer'>): Promise<SyscallResult> {
  const { thread: t, kernel } = ctx;
  if (descs.length === 0 || descs.length % SPI_XFER_DESC_SIZE !== 0) {
    throw new Oops('EINVAL', `spi_transfer(xfers): ${descs.length} bytes is not a whole number of ${SPI_XFER_DESC_SIZE}-byte descriptors`);
  }
  const copy = descs.slice();
  const view = new DataView(copy.buffer);
  const xfers: SpiTransfer[] = [];
  let total = 0;
  let tooFast = 0;
  let badBits = 0;
  for (let at = 0; at < copy.length; at += SPI_XFER_DESC_SIZE) {
    const d = decodeSpiXfer(view, at);
    const what = `spi_transfer(xfers[${at / SPI_XFER_DESC_SIZE}])`;
    if (d.reserved !== 0) throw new Oops('EINVAL', `${what}: reserved field is ${d.reserved}, must be 0`);
    if (d.len === 0) throw new Oops('EINVAL', `${what}: zero-length transfer`);
    const tx = d.txPart ? resolveWindow(kernel.objects, t, d.txPart, d.txOff, d.len, ANY_LEN, `${what}.tx`, 'read') : undefined;
    const rx = d.rxPart ? resolveWindow(kernel.objects, t, d.rxPart, d.rxOff, d.len, ANY_LEN, `${what}.rx`, 'write') : undefined;
    if (d.speedHz > dev.maxSpeedHz) tooFast = d.speedHz;
    if (d.bitsPerWord !== 0 && d.bitsPerWord !== 8) badBits = d.bitsPerWord;
    total += d.len;
    xfers.push({ tx, rx, len: d.len, speedHz: d.speedHz, delayUs: d.delayUs, bitsPerWord: d.bitsPerWord || 8, csChange: d.csChange });
  }
  // Requests the device cannot serve are errors, not faults: the call was well formed.
  if (tooFast) return [-ERRNO.EINVAL, 0];
  if (badBits) return [-ERRNO.EINVAL, 0];
  if (total > dev.hal.maxTransferBytes) return [-ERRNO.EMSGSIZE, 0];
  await dev.arbiter.run(t.name, () => dev.hal.transfer(xfers));
  t.counters.busBytes += total;
  return [total, 0];
}

export async function spiLock(ctx: SyscallContext, [dev, timeoutMs]: Verified<'spi_lock'>): Promise<SyscallResult> {
  const { thread: t, kernel } = ctx;
  try {
    await dev.arbiter.lock(t.name, timeoutMs, () =>
      kernel.fault(t, 'spi_lock', 'ETIMEDOUT', `held ${dev.arbiter.name} longer than its ${timeoutMs} ms lock timeout`),
    );
  } catch (e) {
    if (e instanceof HilError) return [-e.errno, 0];
    throw e;
  }
  return [0, 0];
}

export function spiUnlock(ctx: SyscallContext, [dev]: Verified<'spi_unlock'>): SyscallResult {
  if (dev.arbiter.holder !== ctx.thread.name || !dev.arbiter.lockedExplicitly) return [-ERRNO.EINVAL, 0];
  dev.arbiter.unlock(ctx.thread.name);
  return [0, 0];
}
