/**
 * `hilbridge info` (the board: buses and their backends, devices, parts, sizes, which thread
 * drives each device with which grants, and what the board asks for that cannot be done) and
 * `hilbridge ps` (user threads, state, grants, counters).
 */
import type { ThreadInfo } from '../../index';
import { describeSize, hex } from '../numbers';
import type { CommandResult } from '../output';
import type { Session } from '../session';
import { table } from '../table';

export async function info(s: Session): Promise<CommandResult> {
  const b = s.hb.info();
  const threads = new Map(s.hb.ps().map((t) => [t.name, t]));
  const devices = b.devices.map((d) => {
    const t = d.servedBy ? threads.get(d.servedBy) : undefined;
    return {
      name: d.name,
      path: d.path,
      type: d.type,
      bus: d.bus,
      backend: d.backend,
      simulated: d.simulated,
      part: d.config?.kind,
      partName: d.config?.part,
      size: d.config?.size,
      pageSize: d.config?.pageSize,
      address: d.config?.kind === 'at24' ? d.config.address : undefined,
      readOnly: d.config?.readOnly,
      maxTransferBytes: d.maxTransferBytes,
      servedBy: d.servedBy,
      grants: t ? [...new Set(t.grants)] : [],
    };
  });
  const lines = [`board ${b.model} (${b.board})`, 'buses:'];
  for (const x of b.buses) {
    const state = x.error ? `: cannot be opened: ${x.error.message}` : '';
    lines.push(`  ${x.name} ${x.path} ${x.kind} backend ${x.backend}${x.simulated ? ' (simulated)' : ''}${state}`);
  }
  lines.push('devices:');
  for (const d of devices) {
    const part = d.part ? `${d.partName ?? d.part.toUpperCase()} ${describeSize(d.size ?? 0)}, ${d.pageSize}-byte pages` : 'no EEPROM config';
    const addr = d.address !== undefined ? ` at I2C address ${hex(d.address, 2)}` : '';
    const ro = d.readOnly ? ', read-only' : '';
    const drv = d.servedBy ? `driven by thread ${d.servedBy} (grants: ${d.grants.join(', ') || 'none'})` : 'no driver thread';
    lines.push(`  ${d.name} ${d.path} on ${d.bus}${addr}: ${part}${ro}; ${drv}`);
  }
  for (const u of b.unavailable) lines.push(`  ${u.device}: cannot be used: ${u.bus} (${u.backend}) could not be opened (${u.error.code}; see above)`);
  if (devices.length === 0 && b.unavailable.length === 0) lines.push(b.warnings.length ? '  none hilbridge can use (the warnings below say why)' : '  none');
  if (b.warnings.length) {
    lines.push('warnings:');
    for (const w of b.warnings) lines.push(`  ${w}`);
  }
  return { data: { board: b.board, model: b.model, buses: b.buses, devices, unavailable: b.unavailable, warnings: b.warnings }, text: `${lines.join('\n')}\n` };
}

function threadJson(t: ThreadInfo): Record<string, unknown> {
  return {
    name: t.name,
    handle: t.handle,
    state: t.state,
    program: t.program,
    transport: t.transport,
    confined: t.confined,
    restartPolicy: t.restartPolicy,
    grants: [...new Set(t.grants)],
    partitions: t.partitions,
    serves: t.serves,
    counters: t.counters,
    bySyscall: t.bySyscall,
    ...(t.readyMs !== undefined ? { readyMs: Number(t.readyMs.toFixed(1)) } : {}),
    ...(t.lastFault ? { lastFault: t.lastFault } : {}),
  };
}

export async function ps(s: Session): Promise<CommandResult> {
  const threads = s.hb.ps();
  const text = table(
    ['NAME', 'STATE', 'TRANSPORT', 'SYSCALLS', 'DENIED', 'FAULTS', 'RESTARTS', 'BUSBYTES', 'SERVES', 'GRANTS', 'PARTITIONS', 'CONFINED'],
    threads.map((t) => [
      t.name,
      t.state,
      t.transport,
      String(t.counters.syscalls),
      String(t.counters.denials),
      String(t.counters.faults),
      String(t.counters.restarts),
      String(t.counters.busBytes),
      t.serves.join(',') || '-',
      [...new Set(t.grants)].join(',') || '-',
      t.partitions.join(',') || '-',
      t.confined ? 'yes' : 'no',
    ]),
  );
  return { data: { threads: threads.map(threadJson) }, text };
}
