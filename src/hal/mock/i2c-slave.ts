/**
 * What a simulated I2C chip implements so that the mock I2C controller can drive it.
 *
 * Bus-level events: START with an address and direction (return false to NACK the address),
 * bytes written (return false to NACK a byte), bytes read, and STOP.
 */
import type { PartPins } from '../gpio';

export interface I2cSlaveModel {
  /** The part's control pins (WP), if it models them. */
  pins?(): PartPins;
  /** 7-bit addresses the chip answers on (an AT24C16 answers on 8). */
  readonly addresses: readonly number[];
  start(addr: number, read: boolean): boolean;
  write(byte: number): boolean;
  read(): number;
  stop(): void;
}
