/**
 * Test helpers for hand-built records: an Intel HEX or S-record line from its fields, with the
 * checksum computed here (independently of src/formats), and text → bytes.
 */

export const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** `:LLAAAATT<data>CC` */
export function ihexLine(type: number, offset: number, data: readonly number[]): string {
  const body = [data.length, offset >> 8, offset & 0xff, type, ...data];
  const sum = body.reduce((a, b) => a + b, 0);
  return `:${body.map(hex2).join('')}${hex2((0x100 - (sum & 0xff)) & 0xff)}`;
}

/** `S<t>LL<address><data>CC` with the address width of type `t`. */
export function srecLine(type: number, address: number, data: readonly number[]): string {
  const width = [2, 2, 3, 4, 2, 2, 3, 4, 3, 2][type]!;
  const addr: number[] = [];
  for (let i = width - 1; i >= 0; i--) addr.push(Math.floor(address / 256 ** i) % 256);
  const body = [width + data.length + 1, ...addr, ...data];
  const sum = body.reduce((a, b) => a + b, 0);
  return `S${type}${body.map(hex2).join('')}${hex2(~sum & 0xff)}`;
}

export const IHEX_EOF = ':00000001FF';
export const SREC_END = 'S9030000FC';
