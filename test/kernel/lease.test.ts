/**
 * Leases: a caller lends windows of its memory to the server of one call; the server names them
 * in its syscalls within the access it was lent, only until it replies; a dead caller's lease is
 * ECONNRESET, not a fault; and a lease cannot be lent on.
 */
import { join } from 'node:path';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, reports } from '../helpers/kernel-board';

const SERVER = join(__dirname, '..', 'fixtures', 'programs', 'lease-server.js');
const CLIENT = join(__dirname, '..', 'fixtures', 'programs', 'lease-client.js');

let k: Kernel;
beforeEach(async () => {
  k = await bootTestKernel();
  await k.spawn(SERVER, { name: 'lessee', serves: ['eeprom2'], calls: ['eeprom1'], args: { other: 'eeprom1' } });
});
afterEach(async () => {
  await k.shutdown();
});

it('a server reads a buffer lent for reading and fills one lent for writing', async () => {
  const lent = Uint8Array.from({ length: 12 }, (_, i) => i * 3);
  const r1 = await k.call('eeprom2', Uint8Array.of(1), [{ bytes: lent, access: 'read' }]);
  expect(Array.from(r1.reply)).toEqual(Array.from(lent));
  const out = new Uint8Array(8);
  const r2 = await k.call('eeprom2', Uint8Array.of(2), [{ bytes: out, access: 'write' }]);
  expect(new TextDecoder().decode(out.subarray(0, 5))).toBe('hello');
  expect(Array.from(r2.reply)).toEqual([0, 1]); // the server was told: write access only
});

it('writing into a lease lent for reading faults the server', async () => {
  await expect(k.call('eeprom2', Uint8Array.of(3), [{ bytes: new Uint8Array(4), access: 'read' }])).rejects.toMatchObject({ code: 'EOWNERDEAD' });
  expect(k.threadInfo('lessee').lastFault).toMatchObject({ code: 'EFAULT', syscall: 'mem_copy' });
});

it("a lease's handle dies with the reply", async () => {
  await k.call('eeprom2', Uint8Array.of(4), [{ bytes: new Uint8Array(4), access: 'read' }]);
  await expect(k.call('eeprom2', Uint8Array.of(5))).rejects.toMatchObject({ code: 'EOWNERDEAD' });
  expect(k.threadInfo('lessee').lastFault?.code).toBe('EFAULT');
});

it('a lease cannot be lent on to another server', async () => {
  await expect(k.call('eeprom2', Uint8Array.of(6), [{ bytes: new Uint8Array(4), access: 'read' }])).rejects.toMatchObject({ code: 'EOWNERDEAD' });
  expect(k.threadInfo('lessee').lastFault?.reason).toMatch(/only a window of one of the caller's partitions may be lent/);
});

it("when the caller dies, the server's use of its lease is ECONNRESET, an error and not a fault", async () => {
  const saw = reports(k, 'lessee', 2);
  const holding = new Promise<void>((resolve) => k.on('report', (t: string) => t === 'lessee' && resolve()));
  await k.spawn(CLIENT, { name: 'lender', calls: ['eeprom2'], args: { endpoint: 'eeprom2' } });
  await holding; // the server has the call and its lease
  await k.stopThread('lender');
  expect((await saw)[1]).toEqual({ afterCallerDied: 'ECONNRESET' });
  expect(k.threadInfo('lessee').state).toBe('running');
  expect(k.threadInfo('lessee').counters.faults).toBe(0);
});
