/**
 * The classic 16-bytes-a-line hexdump (address, hex bytes in two groups of 8, ASCII column),
 * with addresses counted from the device offset the bytes were read at.
 */

export function hexdump(data: Uint8Array, base = 0): string {
  const width = Math.max(4, (base + data.length).toString(16).length);
  const lines: string[] = [];
  const start = base - (base % 16);
  for (let row = start; row < base + data.length; row += 16) {
    let hexPart = '';
    let ascii = '';
    for (let col = 0; col < 16; col++) {
      const at = row + col;
      const b = at >= base && at < base + data.length ? data[at - base]! : undefined;
      hexPart += b === undefined ? '   ' : `${b.toString(16).padStart(2, '0')} `;
      if (col === 7) hexPart += ' ';
      ascii += b === undefined ? ' ' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    lines.push(`${row.toString(16).padStart(width, '0')}  ${hexPart} |${ascii}|`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
