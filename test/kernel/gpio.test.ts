/**
 * Control lines: a device's wp-gpios and hold-gpios lines are kernel objects, claimed at boot in
 * their safe state (WP asserted, HOLD inactive); the gpio syscalls take logical values (1 =
 * asserted); the driver lifts WP exactly around each page write; the kernel puts a line back to
 * safe whenever the thread that drove it stops; the mock board wires the lines to the simulated
 * part's pins.
 */
import { replyError } from '../../src/abi/ipc-interface';
import type { At25Model } from '../../src/hal/mock/at25-model';
import { EepromHandle } from '../../src/host/eeprom';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE, reports } from '../helpers/kernel-board';
import { mockSpi } from '../helpers/mock-bus';

let k: Kernel;
let model: At25Model;
beforeEach(async () => {
  k = await bootTestKernel();
  model = mockSpi(k, 'spi0').model(1) as At25Model;
});
afterEach(async () => {
  await k.shutdown();
});

it('WP is asserted (physically low) and HOLD inactive (high) from boot, before any bus traffic', () => {
  expect(model.pin('wp')).toBe(0);
  expect(model.pin('hold')).toBe(1);
  expect(mockSpi(k, 'spi0').log.length).toBe(0);
});

it('a thread granted eeprom2 drives its WP line; when it ends, the kernel asserts WP again', async () => {
  const got = reports(k, 'wp-driver');
  await k.spawn(HOSTILE, { name: 'wp-driver', grants: ['eeprom2'], args: { mode: 'gpio', line: 'eeprom2-wp', value: 0 } });
  expect((await got)[0]).toEqual({ level: 0 });
  expect(k.threadInfo('wp-driver').grants).toContain('gpio:eeprom2-wp');
  expect(k.threadInfo('wp-driver').grants).not.toContain('gpio:eeprom2-hold'); // HOLD is granted by name only
  await k.waitForThread('wp-driver');
  await new Promise((r) => setImmediate(r));
  expect(model.pin('wp')).toBe(0);
});

it('a thread without the device gets EPERM on its WP line, and WP stays asserted', async () => {
  expect(k.threadInfo('eeprom0_driver').grants).not.toContain('gpio:eeprom2-wp');
  const got = reports(k, 'intruder');
  const handle = k.objectHandle('eeprom2-wp');
  await k.spawn(HOSTILE, { name: 'intruder', grants: ['eeprom0'], args: { mode: 'gpio', handle } });
  expect((await got)[0]).toMatchObject({ ok: false, code: 'EPERM' });
  expect(model.pin('wp')).toBe(0);
});

it('a thread granted HOLD by name may assert it; the kernel releases it when the thread ends', async () => {
  const got = reports(k, 'holder');
  await k.spawn(HOSTILE, { name: 'holder', grants: ['eeprom2-hold'], args: { mode: 'gpio', line: 'eeprom2-hold', value: 1 } });
  expect((await got)[0]).toEqual({ level: 1 });
  await k.waitForThread('holder');
  await new Promise((r) => setImmediate(r));
  expect(model.pin('hold')).toBe(1);
});

it('the driver lifts WP just before each page write and asserts it again once the write cycle has ended', async () => {
  const bus = mockSpi(k, 'spi0');
  const events: string[] = [];
  const setPin = model.setPin.bind(model);
  model.setPin = (pin, level) => {
    if (pin === 'wp') events.push(`wp=${level}`);
    setPin(pin, level);
  };
  const logged = bus.log.length;
  await k.spawn('eeprom-server', { name: 'drv2', grants: ['eeprom2'], serves: ['eeprom2'] });
  const e = await EepromHandle.open('eeprom2', async (msg, leases) => {
    const r = await k.call('eeprom2', msg, leases.map((l) => ({ bytes: l.buf, access: l.access })));
    if (r.status < 0) throw replyError(r.status, r.reply);
    return r.reply;
  });
  const watch = setInterval(() => undefined, 1);
  // Interleave pin changes with the bus transactions as they happen.
  const push = bus.log.push.bind(bus.log);
  bus.log.push = (...recs) => {
    for (const r of recs) events.push(r.xfers.some((x) => x.tx[0] === 0x02) ? 'WRITE' : r.xfers.some((x) => x.tx[0] === 0x05) && r.xfers.length === 2 ? 'RDSR' : 'other');
    return push(...recs);
  };
  await e.write(30, Uint8Array.from({ length: 40 }, (_, i) => i), { verify: false }); // pages [30,32) [32,64) [64,70)
  clearInterval(watch);
  expect(bus.log.length).toBeGreaterThan(logged);
  const writes = events.filter((x) => x === 'WRITE').length;
  expect(writes).toBe(3);
  // Each WRITE sits between a wp=1 (lifted) and the next wp=0 (asserted), with no other WRITE in between.
  let lifted = false;
  let pendingWrite = false;
  for (const ev of events) {
    if (ev === 'wp=1') {
      expect(lifted).toBe(false);
      lifted = true;
    } else if (ev === 'wp=0') {
      expect(lifted).toBe(true);
      expect(pendingWrite).toBe(true);
      lifted = false;
      pendingWrite = false;
    } else if (ev === 'WRITE') {
      expect(lifted).toBe(true);
      expect(pendingWrite).toBe(false);
      pendingWrite = true;
    }
  }
  expect(lifted).toBe(false);
  expect(model.pin('wp')).toBe(0);
});

it('a driver that dies with WP lifted leaves the chip protected', async () => {
  const got = reports(k, 'dies-unprotected');
  await k.spawn(HOSTILE, { name: 'dies-unprotected', grants: ['eeprom2'], args: { mode: 'gpio-then-crash', line: 'eeprom2-wp' } });
  expect((await got)[0]).toEqual({ lifted: true });
  const info = await k.waitForThread('dies-unprotected');
  expect(info.state).toBe('faulted');
  await new Promise((r) => setImmediate(r));
  expect(model.pin('wp')).toBe(0);
});
