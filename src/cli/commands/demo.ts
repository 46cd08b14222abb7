/**
 * `hilbridge demo` (what `npm start` runs): the whole path end to end on a board. Writes a
 * recognisable pattern across a page boundary of an EEPROM through its user-mode driver thread,
 * reads it back through the same thread, compares byte for byte, and prints a hexdump and a
 * one-line summary of syscalls, bus bytes and time.
 */
import { hexdump } from '../hexdump';
import { hex } from '../numbers';
import type { CommandResult } from '../output';
import { EXIT } from '../errors';
import type { Session } from '../session';

export interface DemoOptions {
  readonly device: string;
}

/** An ASCII banner then an incrementing byte pattern, `length` bytes in all. */
export function demoPattern(length: number): Uint8Array {
  const banner = Buffer.from('hilbridge demo: written by a user-mode driver :) ', 'latin1');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i < banner.length ? banner[i]! : (i - banner.length) & 0xff;
  return out;
}

export async function demo(s: Session, o: DemoOptions): Promise<CommandResult> {
  const dev = s.device(o.device);
  const ee = await s.eeprom(dev.name);
  const page = ee.pageSize;
  // Start a little before a page boundary and cover two more pages, so the driver must split.
  const length = Math.min(ee.size, Math.max(3 * page, 112));
  const offset = Math.min(page >= 32 ? page - 16 : 0, ee.size - length);
  const pattern = demoPattern(length);
  const firstPage = Math.floor(offset / page);
  const lastPage = Math.floor((offset + length - 1) / page);
  await s.confirm(dev, `overwrite ${length} bytes at ${hex(offset)}..${hex(offset + length - 1)} with the demo pattern`);

  const t0 = performance.now();
  // verify: false so the read-back below is this program's own, explicit check.
  await ee.write(offset, pattern, { verify: false });
  const back = await ee.read(offset, length);
  const ms = performance.now() - t0;

  const mismatches: number[] = [];
  for (let i = 0; i < length; i++) if (back[i] !== pattern[i]) mismatches.push(offset + i);
  const driver = s.hb.ps().find((t) => t.name === dev.servedBy);
  const stats = s.hb.stats();
  const syscalls = stats.syscalls;
  const busBytes = driver?.counters.busBytes ?? 0;
  const bySyscall = { ...stats.bySyscall };
  const ok = mismatches.length === 0;

  const pages = `pages ${firstPage}..${lastPage} of ${page} bytes`;
  const summary = ok
    ? `ok: ${dev.name} wrote and read back ${length} bytes at ${hex(offset)}..${hex(offset + length - 1)} (${pages}), identical` +
      ` | ${syscalls} syscalls (${Object.entries(bySyscall).map(([k, v]) => `${k} ${v}`).join(', ')})` +
      ` | ${busBytes} bytes on the bus | ${ms.toFixed(1)} ms`
    : `FAILED: ${dev.name}: ${mismatches.length} of ${length} bytes differ after writing, first at ${hex(mismatches[0]!)}`;
  const text =
    `board ${s.hb.info().model} (${s.hb.board})\n` +
    `${dev.name} ${ee.family.toUpperCase()} ${ee.size} bytes, ${page}-byte pages, served by ${driver?.confined ? 'confined ' : ''}user thread ${dev.servedBy}\n` +
    `wrote ${length} bytes at ${hex(offset)} across ${lastPage - firstPage + 1} pages; read back through the driver thread:\n` +
    hexdump(back, offset) +
    `${summary}\n`;
  return {
    data: {
      device: dev.name,
      offset,
      length,
      pages: { first: firstPage, last: lastPage, size: page },
      ok,
      mismatches: mismatches.slice(0, 16),
      mismatchCount: mismatches.length,
      syscalls,
      bySyscall,
      busBytes,
      elapsedMs: Number(ms.toFixed(3)),
      data: Buffer.from(back).toString('hex'),
    },
    text,
    exitCode: ok ? EXIT.OK : EXIT.FAILED,
  };
}
