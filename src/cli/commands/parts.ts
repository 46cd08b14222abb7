/**
 * `hilbridge parts [NAME]`: the parts table the boards, `board new` and the drivers use: each
 * supported AT25/AT24 part with its size, page size, address width, write-cycle time, the
 * compatible that names it in a board file, and the other makers' parts with the same geometry.
 */
import { EEPROM_PARTS, findPart, type PartRow } from '../../devicetree';
import { UsageError } from '../errors';
import { describeSize } from '../numbers';
import type { CommandResult } from '../output';
import { table } from '../table';

/** "16", "9 (A8 in the opcode)", "8 (+2 bits in the device address)" */
export function addressText(p: PartRow): string {
  if (p.kind === 'at25') return p.addressWidth === 9 ? '8 + A8 in opcode' : String(p.addressWidth);
  const extra = Math.round(Math.log2(Math.max(1, Math.ceil(p.size / 2 ** p.addressWidth))));
  return extra > 0 ? `${p.addressWidth} + ${extra} in device address` : String(p.addressWidth);
}

function partJson(p: PartRow): Record<string, unknown> {
  return {
    name: p.name,
    family: p.kind,
    bus: p.kind === 'at25' ? 'spi' : 'i2c',
    size: p.size,
    pageSize: p.pageSize,
    addressWidth: p.addressWidth,
    writeCycleMs: p.writeCycleMs,
    compatible: p.compatibles[0],
    compatibles: p.compatibles,
    also: p.also,
  };
}

export async function parts(o: { name?: string | undefined; bus?: 'spi' | 'i2c' | undefined }): Promise<CommandResult> {
  let list: readonly PartRow[] = EEPROM_PARTS;
  if (o.bus) list = list.filter((p) => (p.kind === 'at25') === (o.bus === 'spi'));
  if (o.name !== undefined) {
    const exact = findPart(o.name);
    const needle = o.name.trim().toUpperCase();
    list = exact ? [exact] : list.filter((p) => p.name.includes(needle) || p.also.some((a) => a.includes(needle)));
    if (list.length === 0) {
      throw new UsageError('ENOENT', `no part matches "${o.name}"; \`hilbridge parts\` lists them all (a part with another geometry can still be described with "atmel,at25" or "atmel,at24" and its size, pagesize and address-width)`);
    }
  }
  const text =
    table(
      ['PART', 'BUS', 'SIZE', 'PAGE', 'ADDRESS BITS', 'tWC', 'COMPATIBLE', 'ALSO'],
      list.map((p) => [
        p.name,
        p.kind === 'at25' ? 'SPI' : 'I2C',
        describeSize(p.size),
        String(p.pageSize),
        addressText(p),
        `${p.writeCycleMs} ms`,
        p.compatibles[0]!,
        p.also.join(' ') || '-',
      ]),
    ) +
    '\nIn a board file: compatible = "<COMPATIBLE>", "atmel,at25" (or "atmel,at24"); size, pagesize and\n' +
    'address-width then come from this table. Any other maker\'s name listed under ALSO works as well\n' +
    '(e.g. "st,m95256", "microchip,25lc256"; Linux\'s "atmel,24c256" for AT24 parts). tWC is the longest\n' +
    'write cycle of the parts in the row. `hilbridge board new --part NAME …` writes such a board.\n';
  return { data: { parts: list.map(partJson) }, text };
}
