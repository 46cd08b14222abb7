/**
 * The I2C hardware interface every backend implements (mock, i2c-dev).
 *
 * A transfer is a list of messages, each to a 7-bit address, reading or writing. Where the
 * backend can (`repeatedStart`), messages after the first begin with a repeated START; where it
 * cannot (i2c-dev through `i2c-bus`, which has no I2C_RDWR), each message is its own
 * START…STOP, and the drivers are written so that this is still correct (EEPROM random read =
 * a dummy write of the word address, then a separate read: the chip's address pointer persists).
 * A message the target does not acknowledge fails the transfer with `EREMOTEIO`.
 */
import type { I2cMessage } from '../abi/i2c';
import type { PartPins } from './gpio';

export type { I2cMessage };

export interface I2cController {
  readonly name: string;
  /** Most bytes in one message. */
  readonly maxTransferBytes: number;
  /** True when messages after the first are joined by a repeated START. */
  readonly repeatedStart: boolean;
  transfer(msgs: readonly I2cMessage[]): Promise<void>;
  /** Simulated buses only: the control pins of the part answering on an address. */
  pins?(address: number): PartPins | undefined;
  close(): Promise<void>;
}
