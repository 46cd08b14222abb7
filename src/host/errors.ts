/**
 * The library's errors that say "the caller asked for something wrong, and nothing was touched":
 * a board or image that does not exist or does not fit (ConfigError), an argument outside what
 * the device allows (ArgumentError). The command line turns both into usage errors (exit 2).
 */
import { type ErrnoCode, HilError } from '../abi/errno';

/** The configuration is wrong (a board file that does not exist, an image for a device the board lacks). */
export class ConfigError extends HilError {
  constructor(code: ErrnoCode, message: string) {
    super(code, message);
    this.name = 'ConfigError';
  }
}

/** An argument is outside what the device allows (a range past its end, a fill that is not a byte). */
export class ArgumentError extends HilError {
  constructor(code: ErrnoCode, message: string) {
    super(code, message);
    this.name = 'ArgumentError';
  }
}
