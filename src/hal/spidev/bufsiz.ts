/**
 * The running spidev buffer limit: the `spidev.bufsiz` module parameter, read from sysfs.
 *
 * One SPI_IOC_MESSAGE may move at most bufsiz bytes in each direction (the kernel copies the
 * message through a bounce buffer of that size); above it the ioctl fails with EMSGSIZE. The
 * default is 4096, but boards raise it (spidev.bufsiz=65536 on the kernel command line), so it is
 * read at run time as flashrom does instead of assumed.
 */
import { readFileSync } from 'node:fs';

export const SPIDEV_BUFSIZ_PATH = '/sys/module/spidev/parameters/bufsiz';
export const SPIDEV_DEFAULT_BUFSIZ = 4096;

/**
 * Headroom kept below bufsiz. spidev counts each transfer rounded up to the kernel's allocation
 * alignment (ARCH_KMALLOC_MINALIGN: 8 on recent arm64 kernels, 64 on 32-bit ARM, up to 128 on older
 * arm64), per direction. Advertising bufsiz minus two worst-case roundings means any transaction
 * of at most maxTransferBytes in up to three chip-select groups (e.g. [RDSR] [READ header + data])
 * is accepted by every kernel; adjacent transfers inside a group are merged by the backend.
 */
export const SPIDEV_ALIGN_RESERVE = 256;

/** The kernel's limit on transfers per SPI_IOC_MESSAGE: the ioctl size field holds 511 × 32 bytes. */
export const SPIDEV_MAX_TRANSFERS = 511;

export function readSpidevBufsiz(path: string = SPIDEV_BUFSIZ_PATH): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return SPIDEV_DEFAULT_BUFSIZ; // module not loaded yet, or not Linux: the kernel default applies
  }
  const n = Number.parseInt(text.trim(), 10);
  return Number.isInteger(n) && n > 0 ? n : SPIDEV_DEFAULT_BUFSIZ;
}
