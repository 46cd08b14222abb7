/**
 * What the kernel tells about its objects without giving them away: the plain-data description
 * of a granted object that a thread receives at boot (or with a run-time grant), and the `ps`
 * view of a thread. Both are copies; nothing here lets a caller reach kernel state.
 */
import type { ObjectGrant, TransportKind } from '../abi/boot-info';
import { HilError } from '../abi/errno';
import type { I2cDeviceObject, SpiDeviceObject } from './kobjects';
import type { ObjectTable } from './objects';
import type { ThreadState, UserThread } from './thread';

export interface ThreadInfo {
  readonly name: string;
  readonly handle: number;
  readonly state: ThreadState;
  readonly program: string;
  readonly transport: TransportKind;
  readonly grants: readonly string[];
  readonly partitions: readonly string[];
  readonly serves: readonly string[];
  /** Runs inside a SES Compartment (false only for trusted benchmark and test code). */
  readonly confined: boolean;
  /** What happens after a fault. */
  readonly restartPolicy: string;
  readonly counters: { syscalls: number; denials: number; faults: number; restarts: number; busBytes: number; dropped: number };
  readonly bySyscall: Readonly<Record<string, number>>;
  /** Worker start to the program's first instruction, in ms (of the last start). */
  readonly readyMs?: number | undefined;
  readonly lastFault?: { syscall: string; code: string; reason: string } | undefined;
}

/** The boot-info entry for a granted object. */
export function grantOf(objects: ObjectTable, h: number): ObjectGrant {
  const o = objects.get(h);
  if (!o) throw new HilError('ENOENT', `no object ${h}`);
  if (o.type === 'spi_device') {
    const d = o as SpiDeviceObject;
    return { handle: h, type: o.type, name: d.name, path: d.path, maxTransferBytes: d.hal.maxTransferBytes, config: d.config };
  }
  if (o.type === 'i2c_device') {
    const d = o as I2cDeviceObject;
    return {
      handle: h,
      type: o.type,
      name: d.name,
      path: d.path,
      maxTransferBytes: d.hal.maxTransferBytes,
      config: d.config,
      i2cAddress: d.address,
      i2cAddressCount: d.addressCount,
      repeatedStart: d.hal.repeatedStart,
    };
  }
  return { handle: h, type: o.type, name: o.name };
}

/** The `ps` view of a thread: grants and partitions as "type:name", counters, last fault. */
export function threadInfo(objects: ObjectTable, t: UserThread): ThreadInfo {
  const names = (hs: Iterable<number>): string[] =>
    [...hs].map((h) => {
      const o = objects.get(h);
      return o ? `${o.type}:${o.name}` : `#${h}`;
    });
  const last = t.faults[t.faults.length - 1];
  const { syscalls, denials, faults, restarts, busBytes, dropped } = t.counters;
  return {
    name: t.name,
    handle: t.handle,
    state: t.state,
    program: t.spec.program,
    transport: t.spec.transport,
    grants: names(t.grants),
    partitions: names(t.domain),
    serves: names(t.spec.serves),
    confined: t.spec.confined,
    restartPolicy: t.policy.describe,
    counters: { syscalls, denials, faults, restarts, busBytes, dropped },
    bySyscall: { ...t.counters.bySyscall },
    readyMs: t.readyMs,
    lastFault: last ? { syscall: last.syscall, code: last.code, reason: last.reason } : undefined,
  };
}
