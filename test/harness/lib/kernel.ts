/**
 * Kernel-side helpers the harnesses share: compiled program paths, the library's EEPROM handle
 * over a booted kernel, the handles of endpoints (through a probe thread), and waiting for a
 * condition with a deadline; and, passed on from test/helpers, the simulated buses of a kernel.
 */
import { join } from 'node:path';
import { replyError } from '../../../src/abi/ipc-interface';
import { EepromHandle } from '../../../src/host/eeprom';
import type { Kernel } from '../../../src/kernel/kernel';
import { packageRoot } from '../../../src/kernel/paths';
import { reports } from '../../helpers/kernel-board';

export { mockI2c, mockSpi } from '../../helpers/mock-bus';

/** A compiled harness program (dist/test/harness/programs/NAME.js). */
export function harnessProgram(name: string): string {
  return join(packageRoot(), 'dist', 'test', 'harness', 'programs', `${name}.js`);
}

/** The library's EEPROM handle for a device, served by its driver thread through kernel IPC. */
export function openEeprom(k: Kernel, name: string): Promise<EepromHandle> {
  return EepromHandle.open(name, async (msg, leases) => {
    const r = await k.call(name, msg, leases.map((l) => ({ bytes: l.buf, access: l.access })));
    if (r.status < 0) throw replyError(r.status, r.reply);
    return r.reply;
  });
}

/** Handles of the endpoints of `devices`, learned by a thread that may call them. */
export async function endpointHandles(k: Kernel, devices: readonly string[], probeName = 'probe'): Promise<Map<string, number>> {
  const got = reports(k, probeName);
  await k.spawn(harnessProgram('probe'), { name: probeName, calls: [...devices] });
  const [objs] = (await got) as [{ handle: number; type: string; name: string }[]];
  await k.waitForThread(probeName);
  return new Map(objs.filter((o) => o.type === 'endpoint').map((o) => [o.name, o.handle]));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with `value` after `ms` without keeping the process alive (the losing side of a race). */
export function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((r) => setTimeout(() => r(value), ms).unref());
}

/** Polls `done` every `everyMs` until it holds; false if `ms` passed first. */
export async function waitUntil(done: () => boolean, ms: number, everyMs = 5): Promise<boolean> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Resident set size in MiB, one decimal. */
export function rssMiB(): number {
  return Math.round((process.memoryUsage.rss() / 1048576) * 10) / 10;
}
