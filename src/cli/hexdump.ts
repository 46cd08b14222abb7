/**
 * The classic 16-bytes-a-line hexdump (address, hex bytes in two groups of 8, ASCII column),
 * with addresses counted from the device offset the bytes were read at.
 *
 * Runs of identical lines are folded as `hexdump -C` folds them: the first line of the run is
 * printed, then a single `*`, and the dump ends with a line holding only the end address so the
 * reader knows where the folded data stops (32 KiB of an erased chip is three lines, not 2,048).
 * That end line appears only when something was folded, so an unfolded dump reads as it always
 * has. Only whole 16-byte lines fold; the partial first and last lines of an unaligned range never do.
 */

export interface HexdumpOptions {
  /** Fold runs of identical lines into `*` (default true; false prints every line, as `hexdump -v`). */
  readonly fold?: boolean;
}

/** "00 ".."ff " and the ASCII column's character for each byte value (a 1 MiB dump is 65,536 lines). */
const HEX_CELL = Array.from({ length: 256 }, (_, b) => `${b.toString(16).padStart(2, '0')} `);
const ASCII_CELL = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));

function sameLine(data: Uint8Array, a: number, b: number): boolean {
  for (let i = 0; i < 16; i++) if (data[a + i] !== data[b + i]) return false;
  return true;
}

export function hexdump(data: Uint8Array, base = 0, o: HexdumpOptions = {}): string {
  const fold = o.fold ?? true;
  const end = base + data.length;
  const width = Math.max(4, end.toString(16).length);
  const lines: string[] = [];
  // Index in `data` of the previous whole line, while it can start a fold.
  let previous: number | undefined;
  let inRun = false;
  let folded = false;
  for (let row = base - (base % 16); row < end; row += 16) {
    const whole = row >= base && row + 16 <= end;
    const at = row - base;
    if (fold && whole && previous !== undefined && sameLine(data, previous, at)) {
      if (!inRun) lines.push('*');
      inRun = folded = true;
      previous = at;
      continue;
    }
    inRun = false;
    previous = whole ? at : undefined;
    let hexPart = '';
    let ascii = '';
    for (let col = 0; col < 16; col++) {
      const addr = row + col;
      const b = addr >= base && addr < end ? data[addr - base]! : undefined;
      hexPart += b === undefined ? '   ' : HEX_CELL[b]!;
      if (col === 7) hexPart += ' ';
      ascii += b === undefined ? ' ' : ASCII_CELL[b]!;
    }
    lines.push(`${row.toString(16).padStart(width, '0')}  ${hexPart} |${ascii}|`);
  }
  if (folded) lines.push(end.toString(16).padStart(width, '0'));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
