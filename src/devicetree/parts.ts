/**
 * Geometry of the supported serial EEPROM parts, by part name.
 *
 * Classic AT25 and AT24 EEPROMs cannot be identified over the bus, so a part's size, page size and
 * address width come from the devicetree or from this table (the CLI and tests look parts up by
 * name; the mock board builds models from it). Pure data: drivers and device models both import it.
 */
import type { At24Config, At25Config, EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';

export interface At25Part {
  readonly kind: 'at25';
  readonly name: string;
  readonly size: number;
  readonly pageSize: number;
  /** 8, 9 (A8 carried in bit 3 of the opcode), 16 or 24. */
  readonly addressWidth: 8 | 9 | 16 | 24;
}

export interface At24Part {
  readonly kind: 'at24';
  readonly name: string;
  readonly size: number;
  readonly pageSize: number;
  /** Word-address bits sent after the device address; higher bits go into the device address. */
  readonly addressWidth: 8 | 16;
}

export type EepromPart = At25Part | At24Part;

const at25 = (name: string, size: number, pageSize: number, addressWidth: At25Part['addressWidth']): At25Part => ({
  kind: 'at25',
  name,
  size,
  pageSize,
  addressWidth,
});
const at24 = (name: string, size: number, pageSize: number, addressWidth: At24Part['addressWidth']): At24Part => ({
  kind: 'at24',
  name,
  size,
  pageSize,
  addressWidth,
});

export const AT25_PARTS: readonly At25Part[] = [
  at25('AT25010', 128, 8, 8),
  at25('AT25020', 256, 8, 8),
  at25('AT25040', 512, 8, 9),
  at25('AT25080', 1024, 32, 16),
  at25('AT25160', 2048, 32, 16),
  at25('AT25320', 4096, 32, 16),
  at25('AT25640', 8192, 32, 16),
  at25('AT25128', 16384, 64, 16),
  at25('AT25256', 32768, 64, 16),
  at25('AT25512', 65536, 128, 16),
  at25('AT25M01', 131072, 256, 24),
];

export const AT24_PARTS: readonly At24Part[] = [
  at24('AT24C01', 128, 8, 8),
  at24('AT24C02', 256, 8, 8),
  at24('AT24C04', 512, 16, 8),
  at24('AT24C08', 1024, 16, 8),
  at24('AT24C16', 2048, 16, 8),
  at24('AT24C32', 4096, 32, 16),
  at24('AT24C64', 8192, 32, 16),
  at24('AT24C128', 16384, 64, 16),
  at24('AT24C256', 32768, 64, 16),
  at24('AT24C512', 65536, 128, 16),
  at24('AT24CM01', 131072, 256, 16),
];

export const EEPROM_PARTS: readonly EepromPart[] = [...AT25_PARTS, ...AT24_PARTS];

/** Looks a part up by name, case-insensitively ("at25256", "AT24C02"). */
export function findPart(name: string): EepromPart | undefined {
  const n = name.trim().toUpperCase();
  return EEPROM_PARTS.find((p) => p.name === n);
}

/** Like findPart, but a missing part is an EINVAL that lists the known names. */
export function partByName(name: string): EepromPart {
  const p = findPart(name);
  if (!p) {
    throw new HilError('EINVAL', `unknown EEPROM part "${name}"; known parts: ${EEPROM_PARTS.map((q) => q.name).join(', ')}`);
  }
  return p;
}

/**
 * Number of 7-bit device addresses an AT24 part occupies: the word-address bits that do not fit
 * in the word address are carried in the low bits of the device address (AT24C04/08/16, AT24CM01).
 */
export function at24AddressSpan(p: { size: number; addressWidth: 8 | 16 }): number {
  return Math.max(1, Math.ceil(p.size / 2 ** p.addressWidth));
}

export interface PartConfigOptions {
  /** Devicetree label to report in errors (default: the part name in lower case). */
  readonly name?: string;
  readonly timeoutMs?: number;
  readonly readOnly?: boolean;
  /** AT25 only. */
  readonly maxSpeedHz?: number;
  /** AT24 only: the lowest 7-bit device address (default 0x50). */
  readonly address?: number;
}

/** The driver configuration a devicetree node for this part would produce (for the CLI and tests). */
export function partConfig(part: At25Part, opts?: PartConfigOptions): At25Config;
export function partConfig(part: At24Part, opts?: PartConfigOptions): At24Config;
export function partConfig(part: EepromPart, opts?: PartConfigOptions): EepromConfig;
export function partConfig(part: EepromPart, opts: PartConfigOptions = {}): EepromConfig {
  const name = opts.name ?? part.name.toLowerCase();
  const common = { name, path: `/${name}`, size: part.size, pageSize: part.pageSize, timeoutMs: opts.timeoutMs ?? 10, readOnly: opts.readOnly ?? false };
  if (part.kind === 'at25') {
    return { kind: 'at25', ...common, addressWidth: part.addressWidth, maxSpeedHz: opts.maxSpeedHz ?? 5_000_000, mode: 0 };
  }
  return { kind: 'at24', ...common, addressWidth: part.addressWidth, address: opts.address ?? 0x50 };
}
