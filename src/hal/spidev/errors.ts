/**
 * Turns errors from spi-device (Node errno errors from open(2)/ioctl(2)) into HilErrors that say
 * what to do on a Raspberry Pi or any other Linux board.
 */
import { HilError } from '../../abi/errno';
import { type NativeError, nativeErrnoCode } from '../native';

export function spidevError(e: unknown, path: string, what: string, bufsiz?: number): HilError {
  if (e instanceof HilError) return e;
  const err = e as NativeError;
  const code = nativeErrnoCode(err);
  const detail = err instanceof Error ? err.message : String(e);
  switch (code) {
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return new HilError(
        'ENODEV',
        `${path} does not exist (${what}: ${detail}): enable SPI with dtparam=spi=on in /boot/firmware/config.txt (older images: /boot/config.txt) and reboot; check the bus and chip-select numbers (ls /dev/spidev*)`,
        { cause: e },
      );
    case 'EACCES':
    case 'EPERM':
      return new HilError(
        'EACCES',
        `no permission to open ${path} (${what}: ${detail}): add your user to the spi group (sudo usermod -aG spi $USER) and log in again, or install a udev rule giving the group access (see docs/hardware.md)`,
        { cause: e },
      );
    case 'EMSGSIZE':
      return new HilError(
        'EMSGSIZE',
        `${path}: the kernel refused the message as too long for spidev's buffer (${what}${bufsiz ? `, bufsiz ${bufsiz}` : ''}; the kernel also rounds each transfer up to its allocation alignment): split the transaction, or raise spidev.bufsiz (add spidev.bufsiz=65536 to /boot/firmware/cmdline.txt and reboot)`,
        { cause: e },
      );
    case 'EBUSY':
      return new HilError('EBUSY', `${path} is busy (${what}: ${detail}): another process holds the SPI controller; stop it and retry`, { cause: e });
    case 'EINVAL':
      return new HilError(
        'EINVAL',
        `${path} rejected ${what} (${detail}): the controller does not support these settings (mode, bits per word, LSB-first, speed or the number of transfers in one message)`,
        { cause: e },
      );
    default:
      return new HilError(code === 'UNKNOWN' ? 'EIO' : code, `${path}: ${what} failed: ${detail}`, { cause: e });
  }
}
