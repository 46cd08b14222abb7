/**
 * Errno-style error codes and the one error class every layer throws.
 *
 * Numbers follow Linux's asm-generic/errno values so that a syscall's negative return value reads
 * like a kernel's. Both the kernel and user threads import this file; it holds no state.
 */

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EROFS: 30,
  EDEADLK: 35,
  ENOSYS: 38,
  ENODATA: 61,
  EPROTO: 71,
  EMSGSIZE: 90,
  ENOTSUP: 95,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  EREMOTEIO: 121,
  ECANCELED: 125,
  EOWNERDEAD: 130,
} as const;

export type ErrnoCode = keyof typeof ERRNO;

const BY_NUMBER = new Map<number, ErrnoCode>(
  (Object.entries(ERRNO) as [ErrnoCode, number][]).map(([code, n]) => [n, code]),
);

export function errnoCode(n: number): ErrnoCode {
  return BY_NUMBER.get(Math.abs(n)) ?? 'EIO';
}

export function isErrnoCode(s: unknown): s is ErrnoCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERRNO, s);
}

/** The error every hilbridge layer throws: a code a program can switch on and a human message. */
export class HilError extends Error {
  readonly code: ErrnoCode;
  readonly errno: number;

  constructor(code: ErrnoCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HilError';
    this.code = code;
    this.errno = ERRNO[code];
  }

  /** A plain object that survives structured clone and JSON. */
  toJSON(): { code: ErrnoCode; message: string } {
    return { code: this.code, message: this.message };
  }

  static fromJSON(o: { code: string; message: string }): HilError {
    return new HilError(isErrnoCode(o.code) ? o.code : 'EIO', o.message);
  }
}

/** Wraps anything thrown into a HilError, keeping an existing code (also Node's `err.code`). */
export function toHilError(e: unknown, fallback: ErrnoCode = 'EIO'): HilError {
  if (e instanceof HilError) return e;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return new HilError(isErrnoCode(code) ? code : fallback, e.message, { cause: e });
  }
  return new HilError(fallback, String(e));
}
