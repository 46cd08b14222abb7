/**
 * `hilbridge status DEV` (busy, write-enable latch, block protection, WPEN, raw status) and
 * `hilbridge protect DEV [--blocks none|upper-quarter|upper-half|all] [--wpen on|off]`.
 */
import { type EepromStatus, type ProtectedBlocks, protectedFrom } from '../../index';
import { UsageError } from '../errors';
import { hex } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';

function describe(name: string, size: number, st: EepromStatus): string {
  const from = protectedFrom(size, st.blocks);
  const prot = st.blocks === 'none' ? 'none' : `${st.blocks} (${hex(from)}..${hex(size - 1)} read-only)`;
  const parts = [
    `${name}: ${st.busy ? 'busy (write cycle running)' : 'ready'}`,
    `block protection ${prot}`,
    ...(st.wel !== undefined ? [`write-enable latch ${st.wel ? 'set' : 'clear'}`] : []),
    ...(st.wpen !== undefined ? [`WPEN ${st.wpen ? 'on' : 'off'}`] : []),
    ...(st.raw !== undefined ? [`status register ${hex(st.raw, 2)}`] : []),
  ];
  return `${parts.join(', ')}\n`;
}

export async function status(s: Session, device: string): Promise<CommandResult> {
  const ee = await s.eeprom(device);
  const st = await ee.status();
  const lines = await s.hb.controlLines(ee.name);
  const pins = lines.map((l) => `${l.role.toUpperCase()} ${l.asserted ? 'asserted' : 'not asserted'}${l.role === 'wp' && l.asserted ? ' (writes protected)' : ''}`);
  const text = describe(ee.name, ee.size, st).replace(/\n$/, pins.length ? `; ${pins.join(', ')}\n` : '\n');
  return { data: { device: ee.name, ...st, protectedFrom: protectedFrom(ee.size, st.blocks), lines }, text };
}

export interface ProtectOptions {
  readonly blocks?: ProtectedBlocks | undefined;
  readonly wpen?: 'on' | 'off' | undefined;
}

export async function protect(s: Session, device: string, o: ProtectOptions): Promise<CommandResult> {
  if (o.blocks === undefined && o.wpen === undefined) throw new UsageError('EINVAL', 'protect needs --blocks none|upper-quarter|upper-half|all, --wpen on|off, or both');
  const dev = s.device(device);
  const ee = await s.eeprom(dev.name);
  const change = [o.blocks !== undefined ? `block protection ${o.blocks}` : '', o.wpen !== undefined ? `WPEN ${o.wpen}` : ''].filter(Boolean).join(' and ');
  await s.confirm(dev, `set ${change} (a status-register write)`);
  const st = await ee.protect({ blocks: o.blocks, wpen: o.wpen === undefined ? undefined : o.wpen === 'on' });
  return { data: { device: ee.name, ...st, protectedFrom: protectedFrom(ee.size, st.blocks) }, text: describe(ee.name, ee.size, st) };
}
