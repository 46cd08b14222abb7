/**
 * How the command line fails: exit codes, the usage-error class, and the one-line (or JSON)
 * rendering of any error a user can meet.
 *
 * Exit codes: 0 success, 1 the operation failed (device error, verify mismatch, not blank, not
 * confirmed), 2 usage error (bad option, number or range, an input file that is empty or not a
 * valid image, unknown device or board, an `--image` that cannot be used, a real chip without
 * --yes), 128 + the signal's number when a signal stopped it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
 */
import { ArgumentError, ConfigError, type ErrnoCode, HilError, ImageFormatError, InterruptedError, toHilError } from '../index';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;
/** One of EXIT, or 128 + a signal's number (a write stopped by SIGTERM exits 143). */
export type ExitCode = number;

/** A problem with what the user typed: exit code 2. */
export class UsageError extends HilError {
  constructor(code: ErrnoCode, message: string) {
    super(code, message);
    this.name = 'UsageError';
  }
}

/** An error that already carries its own exit code and extra JSON fields (e.g. an interrupted write). */
export class CommandError extends HilError {
  constructor(
    code: ErrnoCode,
    message: string,
    readonly exitCode: ExitCode,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(code, message);
    this.name = 'CommandError';
  }
}
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof ArgumentError || e instanceof ImageFormatError) return EXIT.USAGE;
  if (e instanceof CommandError) return e.exitCode;
  if (e instanceof InterruptedError) return EXIT.INTERRUPTED;
  return EXIT.FAILED;
}


/** Errors that do not come from hilbridge get an advice suffix where one is known. */
function adviseForeign(e: unknown): HilError {
  const err = toHilError(e);
  const raw = e as { code?: unknown; path?: unknown };
  if (!(e instanceof HilError) && typeof raw?.code === 'string') {
    if (raw.code === 'EACCES' || raw.code === 'EPERM') {
      return new HilError('EACCES', `${err.message}: no permission; check the file's owner and mode, or run as a user that may open it`);
    }
    if (raw.code === 'ENOENT') return new HilError('ENOENT', `${err.message}: check the path`);
  }
  return err;
}

/** The JSON body printed for an error with `--json`. */
export function errorJson(e: unknown): { error: { code: string; message: string } & Record<string, unknown> } {
  const h = adviseForeign(e);
  const details =
    e instanceof CommandError
      ? e.details
      : e instanceof InterruptedError
        ? { done: e.done, total: e.total, resumeAt: e.resumeAt, latch: e.latch === undefined ? null : e.latch }
        : {};
  return { error: { code: h.code, message: h.message, ...details } };
}

/**
 * The text printed for an error: `hilbridge: CODE: message` on one line. Devicetree source errors
 * keep their quoted source line and caret below it. With `debug`, the stack (and causes) follow.
 */
export function errorText(e: unknown, debug: boolean): string {
  const h = adviseForeign(e);
  let out = `hilbridge: ${h.code}: ${h.message}`;
  if (debug) {
    let cur: unknown = e;
    while (cur instanceof Error) {
      out += `\n${cur.stack ?? String(cur)}`;
      cur = cur.cause;
      if (cur) out += '\ncaused by:';
    }
  }
  return out;
}
