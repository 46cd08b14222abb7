/**
 * What went wrong with a GPIO chip or line, and what to do about it: every failure of the GPIO
 * character-device backend becomes a HilError here, with the errno the kernel gave mapped to the
 * situation a user is in on a Raspberry Pi or any other Linux board.
 */
import { type ErrnoCode, HilError, isErrnoCode } from '../../abi/errno';
import { SysError } from './sys';

/** A chip as `listGpioChips` reports it; `error` is set when the node could not be read. */
export interface GpioChipEntry {
  /** The device node, e.g. /dev/gpiochip0. */
  readonly path: string;
  /** The kernel's name for it, e.g. "gpiochip0" (the node's file name when it could not be read). */
  readonly name: string;
  /** The driver's label, e.g. "pinctrl-bcm2711" ("" when it could not be read). */
  readonly label: string;
  /** Number of lines (0 when it could not be read). */
  readonly lines: number;
  readonly error?: { readonly code: ErrnoCode; readonly message: string };
}

export const GPIO_PERMISSION_ADVICE =
  'add your user to the gpio group (sudo usermod -aG gpio $USER, then log in again; Raspberry Pi OS gives that group the chips), or elsewhere create the group (sudo groupadd -f gpio) and install a udev rule such as SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660" in /etc/udev/rules.d/, then sudo udevadm control --reload && sudo udevadm trigger';

const HOLDER_ADVICE =
  '`gpioinfo` (package gpiod) lists every line with its holder; a kernel driver\'s claim (a devicetree overlay, an SPI chip select) also shows in /sys/kernel/debug/gpio. Stop that program or remove the overlay, or wire the signal to a free line';

function sysCode(e: unknown): string {
  return e instanceof SysError ? e.code : e instanceof HilError ? e.code : 'EIO';
}

/** One line per chip: "gpiochip0 [pinctrl-bcm2711] /dev/gpiochip0, 58 lines". */
export function describeChips(chips: readonly GpioChipEntry[]): string {
  if (chips.length === 0) return 'none';
  return chips.map((c) => (c.error ? `${c.path} (unreadable: ${c.error.code})` : `${c.name} [${c.label}] ${c.path}, ${c.lines} lines`)).join('; ');
}

export function chipNotFound(wanted: string, chips: readonly GpioChipEntry[], devDir: string): HilError {
  const denied = chips.filter((c) => c.error?.code === 'EACCES');
  if (denied.length > 0 && denied.length === chips.length) {
    return new HilError('EACCES', `no permission to read the GPIO chips in ${devDir} (${denied.map((c) => c.path).join(', ')}), so the one labelled ${wanted} cannot be found: ${GPIO_PERMISSION_ADVICE}`);
  }
  if (chips.length === 0) {
    return new HilError('ENOENT', `no GPIO chip labelled ${wanted}: ${devDir} has no gpiochip nodes (a kernel without the GPIO character device, CONFIG_GPIO_CDEV, or the wrong directory)`);
  }
  const unreadable = denied.length > 0 ? ` (${denied.length} could not be read: ${GPIO_PERMISSION_ADVICE})` : '';
  return new HilError('ENOENT', `no GPIO chip labelled ${wanted} in ${devDir}; the chips there are: ${describeChips(chips)}${unreadable}. Use one of these labels (gpiodetect prints them too), or a /dev/gpiochipN path`);
}

/** A failure opening chip `path`; `chips` lists the others for the message (omitted while listing). */
export function chipPathError(e: unknown, path: string, chips?: () => readonly GpioChipEntry[]): HilError {
  if (e instanceof HilError) return e;
  const code = sysCode(e);
  switch (code) {
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO': {
      let known = '';
      try {
        if (chips) known = `; the GPIO chips that exist are: ${describeChips(chips())}`;
      } catch (listing) {
        known = `; listing the others failed too (${listing instanceof Error ? listing.message : String(listing)})`;
      }
      return new HilError('ENOENT', `GPIO chip ${path} does not exist${known}. Chip numbers differ between boards and kernels (a Pi 4 and a Pi 5 differ): prefer the chip's label`, { cause: e });
    }
    case 'EACCES':
    case 'EPERM':
      return new HilError('EACCES', `no permission to open GPIO chip ${path}: ${GPIO_PERMISSION_ADVICE}`, { cause: e });
    case 'ENOTTY':
    case 'EINVAL':
    case 'EISDIR':
    case 'ENOTDIR':
      return new HilError('ENODEV', `${path} is not a GPIO character device (the kernel answered ${code} to GPIO_GET_CHIPINFO_IOCTL): name a /dev/gpiochipN node or a chip label`, { cause: e });
    default:
      return generic(e, `opening GPIO chip ${path}`);
  }
}

export interface ChipRef {
  readonly path: string;
  readonly label: string;
  readonly lineCount: number;
}

const chipName = (c: ChipRef): string => `${c.label} (${c.path})`;

export function badOffset(chip: ChipRef, offset: number): HilError {
  return new HilError('EINVAL', `${chipName(chip)} has no line ${offset}: it has ${chip.lineCount} lines, 0..${chip.lineCount - 1}`);
}

/** A failed GPIO_V2_GET_LINE_IOCTL; `holder` is the consumer the kernel reports for the line, if any. */
export function requestError(e: unknown, chip: ChipRef, offset: number, holder: string | undefined): HilError {
  if (e instanceof HilError) return e;
  const code = sysCode(e);
  switch (code) {
    case 'EBUSY': {
      const who = holder ? `"${holder}"` : 'another program or a kernel driver';
      return new HilError('EBUSY', `line ${offset} of ${chipName(chip)} is already held by ${who}: ${HOLDER_ADVICE}`, { cause: e });
    }
    case 'EINVAL':
      return new HilError('EINVAL', `${chipName(chip)} refused the request for line ${offset} (EINVAL): the offset must be below ${chip.lineCount} and the settings consistent (a bias needs a direction, open-drain needs an output)`, { cause: e });
    case 'EOPNOTSUPP':
      return new HilError('ENOTSUP', `${chipName(chip)} does not support the settings requested for line ${offset} (bias or drive mode)`, { cause: e });
    default:
      return lineError(e, chip, offset, 'requesting it');
  }
}

/** Any other failure on a line or its chip. */
export function lineError(e: unknown, chip: ChipRef, offset: number, what: string): HilError {
  if (e instanceof HilError) return e;
  const code = sysCode(e);
  if (code === 'ENODEV' || code === 'ENXIO') {
    return new HilError('ENODEV', `${chipName(chip)} went away while ${what} line ${offset} (unplugged, or its driver unbound): reopen the chip`, { cause: e });
  }
  if (code === 'EPERM') {
    return new HilError('EPERM', `line ${offset} of ${chipName(chip)} is an input: reconfigure it as an output before driving it`, { cause: e });
  }
  return generic(e, `${what} line ${offset} of ${chipName(chip)}`);
}

function generic(e: unknown, what: string): HilError {
  const code = sysCode(e);
  const mapped: ErrnoCode = code === 'EOPNOTSUPP' ? 'ENOTSUP' : isErrnoCode(code) ? code : 'EIO';
  return new HilError(mapped, `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
