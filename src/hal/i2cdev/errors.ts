/**
 * Turns errors from i2c-bus (Node fs errors from open/read/write on /dev/i2c-N, addon errors from
 * ioctl) into HilErrors that say what to do.
 */
import { HilError } from '../../abi/errno';
import { type NativeError, nativeErrnoCode } from '../native';

export function i2cdevError(e: unknown, path: string, what: string, addr?: number): HilError {
  if (e instanceof HilError) return e;
  const err = (e ?? {}) as NativeError;
  const detail = err instanceof Error ? err.message : String(e);
  const at = addr === undefined ? '' : ` at 0x${addr.toString(16).padStart(2, '0')}`;
  const code = nativeErrnoCode(err);
  switch (code) {
    case 'ENOENT':
    case 'ENODEV':
      return new HilError(
        'ENODEV',
        `${path} does not exist (${what}: ${detail}): enable I2C with dtparam=i2c_arm=on in /boot/firmware/config.txt (older images: /boot/config.txt) and reboot, or load the driver with sudo modprobe i2c-dev; check the bus number (ls /dev/i2c-*)`,
        { cause: e },
      );
    case 'EACCES':
    case 'EPERM':
      return new HilError(
        'EACCES',
        `no permission to open ${path} (${what}: ${detail}): add your user to the i2c group (sudo usermod -aG i2c $USER) and log in again, or install a udev rule giving the group access (see docs/hardware.md)`,
        { cause: e },
      );
    case 'ENXIO':
    case 'EREMOTEIO':
      return new HilError(
        'EREMOTEIO',
        `no acknowledge from the device${at} on ${path} (${what}): the chip is absent, still busy with a write cycle, or strapped to another address (check with i2cdetect -y ${path.replace(/.*-/, '')})`,
        { cause: e },
      );
    case 'ETIMEDOUT':
      return new HilError('ETIMEDOUT', `${path}: bus timeout${at} (${what}): SDA or SCL is held low; check the pull-up resistors and the wiring`, { cause: e });
    case 'EBUSY':
      return new HilError(
        'EBUSY',
        `${path}: address${at} is claimed by a kernel driver (${what}): unbind it (e.g. echo ${path.replace(/.*-/, '')}-00${addr?.toString(16) ?? '50'} | sudo tee /sys/bus/i2c/drivers/at24/unbind) or remove the overlay that binds it`,
        { cause: e },
      );
    case 'UNKNOWN':
      return new HilError('EIO', `${path}: ${what}${at} failed: ${detail}`, { cause: e });
    default:
      return new HilError(code, `${path}: ${what}${at} failed: ${detail}`, { cause: e });
  }
}
