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

/**
 * The one geometry rule for EEPROM configurations, used by the devicetree accessors (naming the
 * node and property) and by the drivers (naming the device): what is wrong and with which
 * property, or undefined when the configuration is sound.
 */
export function geometryProblem(c: {
  readonly kind: 'at25' | 'at24';
  readonly size: number;
  readonly pageSize: number;
  readonly addressWidth: number;
  readonly address?: number | undefined;
}): { readonly prop: string; readonly what: string } | undefined {
  if (!Number.isSafeInteger(c.size) || c.size <= 0) return { prop: 'size', what: `is ${c.size}; it must be a positive integer` };
  if (!Number.isSafeInteger(c.pageSize) || c.pageSize <= 0 || c.pageSize > c.size || (c.pageSize & (c.pageSize - 1)) !== 0) {
    return { prop: 'pagesize', what: `is ${c.pageSize}; EEPROM pages are a power of two between 1 and size (${c.size})` };
  }
  if (c.size % c.pageSize !== 0) return { prop: 'size', what: `is ${c.size}, not a whole number of ${c.pageSize}-byte pages` };
  if (c.kind === 'at25') {
    const reach = c.addressWidth === 9 ? 512 : c.addressWidth === 8 || c.addressWidth === 16 || c.addressWidth === 24 ? 2 ** c.addressWidth : undefined;
    if (reach === undefined) return { prop: 'address-width', what: `is ${c.addressWidth}; it must be 8, 9, 16 or 24` };
    if (c.size > reach) return { prop: 'address-width', what: `is ${c.addressWidth}, which addresses ${reach} bytes, fewer than size (${c.size})` };
    return undefined;
  }
  if (c.addressWidth !== 8 && c.addressWidth !== 16) return { prop: 'address-width', what: `is ${c.addressWidth}; an AT24 uses 8 or 16` };
  if (c.pageSize > 2 ** c.addressWidth) return { prop: 'pagesize', what: `is ${c.pageSize}, more than the ${c.addressWidth}-bit word address reaches` };
  const span = at24AddressSpan({ size: c.size, addressWidth: c.addressWidth });
  if (span > 8) return { prop: 'size', what: `is ${c.size}, which needs ${span} device addresses; at most 8 exist` };
  const a = c.address;
  if (a === undefined || !Number.isInteger(a) || a < 0x08 || a + span - 1 > 0x77) {
    return { prop: 'reg', what: `is 0x${Number(a).toString(16)} (+${span - 1}); a 7-bit device address in 0x08..0x77 is required` };
  }
  return undefined;
}
