/**
 * Geometry of the supported serial EEPROM parts, by part name.
 *
 * Classic AT25 and AT24 EEPROMs cannot be identified over the bus, so a part's size, page size and
 * address width come from the devicetree or from this table (the CLI and tests look parts up by
 * name; the mock board builds models from it). Pure data: drivers and device models both import it.
 */
import type { At24Config, At25Config, EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';

/** A part's geometry: what a driver needs (a test may make one for a chip the table does not list). */
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

/** What a row of the table holds besides the geometry. */
export interface PartFacts {
  /** Longest write cycle (tWC / tWR) of the parts in this row, in milliseconds (datasheet maximum). */
  readonly writeCycleMs: number;
  /** Other parts with exactly this geometry and command set (25LC256, M95256, …). */
  readonly also: readonly string[];
  /**
   * Devicetree compatibles that name this row, lower case: "atmel,at25256" and the other makers'
   * ("microchip,25lc256", "st,m95256"), and for AT24 parts Linux's "atmel,24c256" as well.
   */
  readonly compatibles: readonly string[];
}

export type EepromPart = At25Part | At24Part;
/** A row of the parts table. */
export type PartRow = (At25Part | At24Part) & PartFacts;

/** The devicetree compatible a part name gets from its maker's prefix. */
function vendorCompatible(name: string): string {
  const n = name.toLowerCase();
  if (/^at/.test(n)) return `atmel,${n}`;
  if (/^2[45](aa|lc|fc)/.test(n)) return `microchip,${n}`;
  if (/^m(95|24)/.test(n)) return `st,${n}`;
  throw new Error(`parts table: no maker prefix known for ${name}`);
}

function compatiblesOf(name: string, also: readonly string[], extra: readonly string[]): string[] {
  return [...new Set([name, ...also].map(vendorCompatible).concat(extra.map((c) => c.toLowerCase())))];
}

/** A row of the tables below (at25, at24); `extra` are compatibles besides the makers' ones for `name` and `also`. */
function row<K extends EepromPart['kind'], W extends EepromPart['addressWidth']>(
  kind: K,
  name: string,
  size: number,
  pageSize: number,
  addressWidth: W,
  writeCycleMs: number,
  also: readonly string[],
  extra: readonly string[],
): Omit<EepromPart, 'kind' | 'addressWidth'> & PartFacts & { readonly kind: K; readonly addressWidth: W } {
  return { kind, name, size, pageSize, addressWidth, writeCycleMs, also, compatibles: compatiblesOf(name, also, extra) };
}

const at25 = (name: string, size: number, pageSize: number, addressWidth: At25Part['addressWidth'], writeCycleMs: number, also: readonly string[] = [], extra: readonly string[] = []): At25Part & PartFacts =>
  row('at25', name, size, pageSize, addressWidth, writeCycleMs, also, extra);
/** AT24 rows also answer to Linux's at24 compatible for their size ("atmel,24c256"), given as `linux`. */
const at24 = (name: string, size: number, pageSize: number, addressWidth: At24Part['addressWidth'], writeCycleMs: number, also: readonly string[] = [], linux: readonly string[] = []): At24Part & PartFacts =>
  row('at24', name, size, pageSize, addressWidth, writeCycleMs, also, linux);

/**
 * SPI parts with the AT25 command set. Geometry (size, page, address bytes) from the makers'
 * datasheets; a row lists another maker's part only where all three match, since a page size that
 * is too large loses data. Microchip's 25xx010A/020A/040A/080A/160A and ST's M95010/020/040 have
 * 16-byte pages, unlike AT25010/020/040 (8), so they are rows of their own.
 */
export const AT25_PARTS: readonly (At25Part & PartFacts)[] = [
  at25('AT25010', 128, 8, 8, 5, ['AT25010B']),
  at25('AT25020', 256, 8, 8, 5, ['AT25020B']),
  at25('AT25040', 512, 8, 9, 5, ['AT25040B']),
  at25('AT25080', 1024, 32, 16, 5, ['AT25080B', '25LC080D', '25AA080D', '25LC080B', '25AA080B', 'M95080']),
  at25('AT25160', 2048, 32, 16, 5, ['AT25160B', '25LC160D', '25AA160D', '25LC160B', '25AA160B', 'M95160'], ['microchip,at25160bn']),
  at25('AT25320', 4096, 32, 16, 5, ['AT25320B', '25LC320A', '25AA320A', 'M95320']),
  at25('AT25640', 8192, 32, 16, 5, ['AT25640B', '25LC640A', '25AA640A', 'M95640']),
  at25('AT25128', 16384, 64, 16, 5, ['AT25128B', '25LC128', '25AA128', 'M95128']),
  at25('AT25256', 32768, 64, 16, 5, ['AT25256B', '25LC256', '25AA256', 'M95256']),
  at25('AT25512', 65536, 128, 16, 5, ['25LC512', '25AA512', 'M95512']),
  at25('AT25M01', 131072, 256, 24, 6, ['25LC1024', '25AA1024', 'M95M01']),
  at25('25LC010A', 128, 16, 8, 5, ['25AA010A', 'M95010']),
  at25('25LC020A', 256, 16, 8, 5, ['25AA020A', 'M95020']),
  at25('25LC040A', 512, 16, 9, 5, ['25AA040A', '25LC040', '25AA040', 'M95040']),
  at25('25LC080A', 1024, 16, 16, 5, ['25AA080A']),
  at25('25LC160A', 2048, 16, 16, 5, ['25AA160A', '25LC160C', '25AA160C']),
  at25('M95M02', 262144, 256, 24, 10),
];

/**
 * I2C parts with the AT24 command set. Microchip's 24xx01/02 share AT24C01/02's 8-byte page, ST's
 * M24C01/02 have 16 (rows of their own); 24xx1025 is left out (its block-select bit is not A16 in
 * the lowest device-address bit), 24xx1026 has 128-byte pages where AT24CM01 has 256.
 */
export const AT24_PARTS: readonly (At24Part & PartFacts)[] = [
  at24('AT24C01', 128, 8, 8, 5, ['AT24C01A', '24LC01B', '24AA01'], ['atmel,24c01']),
  at24('AT24C02', 256, 8, 8, 5, ['AT24C02C', '24LC02B', '24AA02'], ['atmel,24c02']),
  at24('AT24C04', 512, 16, 8, 5, ['AT24C04C', '24LC04B', '24AA04', 'M24C04'], ['atmel,24c04']),
  at24('AT24C08', 1024, 16, 8, 5, ['AT24C08D', '24LC08B', '24AA08', 'M24C08'], ['atmel,24c08']),
  at24('AT24C16', 2048, 16, 8, 5, ['AT24C16C', '24LC16B', '24AA16', 'M24C16'], ['atmel,24c16']),
  at24('AT24C32', 4096, 32, 16, 5, ['AT24C32E', '24LC32A', '24AA32A', 'M24C32'], ['atmel,24c32']),
  at24('AT24C64', 8192, 32, 16, 5, ['AT24C64D', '24LC64', '24AA64', 'M24C64'], ['atmel,24c64']),
  at24('AT24C128', 16384, 64, 16, 5, ['24LC128', '24AA128', 'M24128'], ['atmel,24c128']),
  at24('AT24C256', 32768, 64, 16, 5, ['24LC256', '24AA256', 'M24256'], ['atmel,24c256']),
  at24('AT24C512', 65536, 128, 16, 5, ['24LC512', '24AA512', 'M24512'], ['atmel,24c512']),
  at24('AT24CM01', 131072, 256, 16, 5, ['M24M01'], ['atmel,24c1024']),
  at24('AT24CM02', 262144, 256, 16, 10, ['M24M02'], ['atmel,24c2048']),
  at24('M24C01', 128, 16, 8, 5),
  at24('M24C02', 256, 16, 8, 5),
  at24('24LC1026', 131072, 128, 16, 5, ['24AA1026', '24FC1026']),
];

export const EEPROM_PARTS: readonly PartRow[] = [...AT25_PARTS, ...AT24_PARTS];

/** Looks a part up by name, case-insensitively ("at25256", "AT24C02", "25LC256", "m95256"). */
export function findPart(name: string): PartRow | undefined {
  const n = name.trim().toUpperCase();
  return EEPROM_PARTS.find((p) => p.name === n) ?? EEPROM_PARTS.find((p) => p.also.includes(n));
}

/** Like findPart, but a missing part is an EINVAL that lists the known names. */
export function partByName(name: string): PartRow {
  const p = findPart(name);
  if (!p) {
    throw new HilError('EINVAL', `unknown EEPROM part "${name}"; known parts: ${EEPROM_PARTS.map((q) => q.name).join(', ')} (and the equivalents \`hilbridge parts\` lists)`);
  }
  return p;
}

const BY_COMPATIBLE: ReadonlyMap<string, PartRow> = new Map(EEPROM_PARTS.flatMap((p) => p.compatibles.map((c) => [c, p] as const)));

/** The part a devicetree compatible names ("atmel,at25256", "st,m95256", "atmel,24c256"); case does not matter. */
export function partForCompatible(compatible: string): PartRow | undefined {
  return BY_COMPATIBLE.get(compatible.toLowerCase());
}

/** The generic compatible of each family, which needs size, pagesize and address-width spelled out. */
export const FAMILY_COMPATIBLE = { at25: 'atmel,at25', at24: 'atmel,at24' } as const;

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
