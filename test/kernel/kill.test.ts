/**
 * Kernel.kill: a thread ended from outside as a fault (ECANCELED), its bus released, its fault
 * policy asked (restarted with backoff, or left stopped), unlike stopThread which never restarts.
 */
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE, reports } from '../helpers/kernel-board';

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel();
});
afterEach(async () => {
  await k.shutdown();
});

test('a killed thread is a fault, and its policy restarts it', async () => {
  const got = reports(k, 'locker');
  await k.spawn(HOSTILE, {
    name: 'locker',
    grants: ['eeprom2'],
    args: { mode: 'lock-forever', handle: k.objectHandle('eeprom2'), timeoutMs: 60_000 },
    restart: { maxRestarts: 3, backoffMs: 5 },
  });
  await got; // it holds the bus of eeprom0 and eeprom2
  const restarted = reports(k, 'locker');
  const info = k.kill('locker', 'supervisor says so');
  expect(info.state).not.toBe('running');
  expect(info.lastFault).toMatchObject({ syscall: 'kill', code: 'ECANCELED', reason: 'supervisor says so' });
  await restarted; // the new incarnation took the lock again: the old one had released it
  expect(k.threadInfo('locker').counters).toMatchObject({ faults: 1, restarts: 1 });
  k.kill('locker');
});

test('a thread whose policy is "never" stays down; killing a stopped thread changes nothing', async () => {
  await k.spawn(HOSTILE, { name: 'sleeper', args: { mode: 'flood', count: 1e9 } });
  k.kill('sleeper');
  expect(k.threadInfo('sleeper').state).toBe('faulted');
  const again = k.kill('sleeper');
  expect(again.counters.faults).toBe(1);
  expect(() => k.kill('nobody')).toThrow(/no thread named nobody/);
});
