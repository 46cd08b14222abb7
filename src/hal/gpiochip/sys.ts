/**
 * The three system calls the GPIO character-device backend makes, open(2), ioctl(2) and close(2),
 * bound through koffi (a C FFI for Node).
 *
 * Why this binding. `node-libgpiod` binds libgpiod 1.x only, while Raspberry Pi OS on Debian 13
 * ships libgpiod 2.x (another API and soname), so it fails to build or breaks on upgrade. The
 * kernel's v2 character-device ABI underneath both is six small ioctls, stable since Linux 5.10
 * (uapi.ts), so calling the kernel directly takes the C library out of the picture. koffi 2.x
 * carries its prebuilt binaries (Linux x64, arm64, armhf and more) inside the npm tarball: it
 * installs from the registry alone, with no compiler and no download. Its install script is not
 * approved in package.json: it only re-checks the prebuilt binary, and where none fits it would
 * try to build and download Node headers; without it a platform with no binary gets a clear
 * ENOSYS from native.ts at first use instead. koffi 3 moved the binaries into per-platform
 * packages, hence ^2. An addon of our own would need python3, make and g++ on every Pi.
 *
 * Symbols come from `koffi.load(null)`: the functions the process already uses (glibc or musl,
 * whichever Node links), so an LD_PRELOADed interposer such as the test suite's hilemu shim sees
 * these calls exactly as it sees spi-device's.
 *
 * The calls are synchronous: a GPIO ioctl is microseconds of kernel work, less than handing it to
 * the thread pool would cost, and the line request ioctls never block.
 */
import { HilError } from '../../abi/errno';
import { type KoffiFunction, loadKoffi } from '../native';
import { GENERIC_IOCTL_ARCHES } from './uapi';

/** open(2) flags, the same on every architecture in GENERIC_IOCTL_ARCHES. */
const O_RDWR = 0o2;
const O_CLOEXEC = 0o2000000;

/** Linux errno numbers (asm-generic, shared by the architectures above) the backend explains. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  6: 'ENXIO',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  24: 'EMFILE',
  25: 'ENOTTY',
  95: 'EOPNOTSUPP',
};

/** A failed system call: `code` is the errno name (e.g. 'EBUSY'), `errno` its number. */
export class SysError extends Error {
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly code: string,
  ) {
    super(`${syscall} failed: ${code} (errno ${errno})`);
    this.name = 'SysError';
  }
}

export interface GpioSys {
  /** Opens a GPIO chip node read-write, close-on-exec; returns the descriptor. */
  open(path: string): number;
  /** One ioctl whose argument is a structure in `arg` (read and written in place). */
  ioctl(fd: number, request: number, arg: Uint8Array): void;
  close(fd: number): void;
}

let cached: GpioSys | undefined;

/** The bound calls (loads koffi on first use; ENOSYS with advice when it cannot). */
export function gpioSys(): GpioSys {
  if (cached) return cached;
  if (!GENERIC_IOCTL_ARCHES.includes(process.arch)) {
    throw new HilError('ENOTSUP', `the GPIO character-device backend does not know the ioctl encoding of ${process.arch} (it supports ${GENERIC_IOCTL_ARCHES.join(', ')})`);
  }
  const koffi = loadKoffi();
  const libc = koffi.load(null);
  const bind = (proto: string): KoffiFunction => libc.func(proto);
  const open = bind('int open(const char *path, int flags, ...)');
  const ioctl = bind('int ioctl(int fd, unsigned long request, ...)');
  const close = bind('int close(int fd)');
  const check = (syscall: string, r: unknown): number => {
    if (typeof r === 'number' && r >= 0) return r;
    const errno = koffi.errno();
    throw new SysError(syscall, errno, ERRNO_NAMES[errno] ?? `errno ${errno}`);
  };
  cached = {
    open: (path) => check('open', open(path, O_RDWR | O_CLOEXEC)),
    ioctl: (fd, request, arg) => void check('ioctl', ioctl(fd, request, 'void *', arg)),
    close: (fd) => void check('close', close(fd)),
  };
  return cached;
}
