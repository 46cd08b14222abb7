/**
 * Kernel-mediated IPC: a server that dies while handling a call fails that call with a distinct
 * "peer died" code; the supervisor restarts it and later calls reach the new incarnation.
 */
import { join } from 'node:path';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel } from '../helpers/kernel-board';

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel();
});
afterEach(async () => {
  await k.shutdown();
});

const FRAGILE = join(__dirname, '..', 'fixtures', 'programs', 'fragile-server.js');

it('a call in flight when its server dies fails with EOWNERDEAD; the restarted server answers', async () => {
  k.createPartition('fragile-state', 16);
  await k.spawn(FRAGILE, {
    name: 'fragile',
    serves: ['eeprom2'],
    partitions: ['fragile-state'],
    restart: { maxRestarts: 3, backoffMs: 20 },
  });
  await expect(k.call('eeprom2', Uint8Array.of(1, 2, 3))).rejects.toMatchObject({ code: 'EOWNERDEAD' });
  // Queued calls wait for the restarted server instead of failing.
  const r = await k.call('eeprom2', Uint8Array.of(1, 2, 3));
  expect(Array.from(r.reply)).toEqual([3, 2, 1]);
  expect(r.status).toBe(0);
  const info = k.threadInfo('fragile');
  expect(info.counters.faults).toBe(1);
  expect(info.counters.restarts).toBe(1);
  expect(info.state).toBe('running');
});

it('a server that will not come back fails queued calls with ENODEV', async () => {
  k.createPartition('fragile-state', 16);
  await k.spawn(FRAGILE, { name: 'fragile', serves: ['eeprom2'], partitions: ['fragile-state'], restart: 'never' });
  const first = k.call('eeprom2', Uint8Array.of(1));
  const second = k.call('eeprom2', Uint8Array.of(2));
  await expect(first).rejects.toMatchObject({ code: 'EOWNERDEAD' });
  await expect(second).rejects.toMatchObject({ code: 'ENODEV' });
});

it('a thread cannot serve an endpoint another thread already serves', async () => {
  await expect(k.spawn(FRAGILE, { name: 'usurper', serves: ['eeprom0'] })).rejects.toMatchObject({ code: 'EBUSY' });
});
