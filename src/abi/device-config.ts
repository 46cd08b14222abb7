/**
 * Typed device configurations, derived from the devicetree and validated against the bindings.
 *
 * The kernel builds these from the tree at boot and hands each user thread the configurations of
 * the devices it is granted (plain data, like Zephyr's devicetree-generated config structs); a
 * driver never sees raw cells. Shared by both sides, so it holds types and pure functions of a
 * configuration only.
 */

export interface At25Config {
  readonly kind: 'at25';
  /** Devicetree label (e.g. "eeprom0") or, without one, the node path. */
  readonly name: string;
  readonly path: string;
  /** The part the board names by compatible ("AT25256"), if it names one. */
  readonly part?: string | undefined;
  readonly size: number;
  readonly pageSize: number;
  /** 8, 9 (A8 carried in the opcode: AT25040), 16 or 24. */
  readonly addressWidth: 8 | 9 | 16 | 24;
  /** Longest write cycle to wait for, in milliseconds (binding `timeout`). */
  readonly timeoutMs: number;
  readonly readOnly: boolean;
  readonly maxSpeedHz: number;
  readonly mode: 0 | 1 | 2 | 3;
}

export interface At24Config {
  readonly kind: 'at24';
  readonly name: string;
  readonly path: string;
  /** The part the board names by compatible ("AT24C256"), if it names one. */
  readonly part?: string | undefined;
  readonly size: number;
  readonly pageSize: number;
  /** Word-address bits sent after the device address: 8 or 16. */
  readonly addressWidth: 8 | 16;
  /** 7-bit base device address (reg), 0x50…0x57. */
  readonly address: number;
  readonly timeoutMs: number;
  readonly readOnly: boolean;
}

export type EepromConfig = At25Config | At24Config;

/**
 * Number of 7-bit device addresses an AT24 part occupies: the word-address bits that do not fit
 * in the word address are carried in the low bits of the device address (AT24C04/08/16, AT24CM01).
 */
export function at24AddressSpan(p: { readonly size: number; readonly addressWidth: 8 | 16 }): number {
  return Math.max(1, Math.ceil(p.size / 2 ** p.addressWidth));
}
