/**
 * What a simulated SPI chip implements so that the mock controller can clock bytes through it.
 *
 * Byte-granular, full duplex: `exchange` receives the byte on MOSI and returns the byte the chip
 * drives on MISO at the same time. `select`/`deselect` are chip-select edges; most EEPROM commands
 * take effect on the rising edge (deselect), as on silicon.
 */
import type { PartPins } from '../gpio';

export interface SpiSlaveModel {
  /** The part's control pins (WP, HOLD), if it models them. */
  pins?(): PartPins;
  select(): void;
  exchange(mosi: number): number;
  deselect(): void;
}
