/**
 * Drivers against misbehaving chips and buses: each injected fault ends in the documented error,
 * nothing is reported as success, and no write-enable latch is left set.
 */
import { HilError, type ErrnoCode } from '../../src/abi/errno';
import { AT25_SR } from '../../src/hal/mock/at25-model';
import { partByName, type At24Part, type At25Part } from '../../src/devicetree/parts';
import { mockAt24, mockAt25 } from '../helpers/mock-eeprom';
import { pattern } from '../conformance/eeprom-conformance';

const AT25 = partByName('AT25080') as At25Part; // page 32
const AT24 = partByName('AT24C32') as At24Part; // page 32

async function fails(p: Promise<unknown>, code: ErrnoCode): Promise<HilError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe(code);
  return err as HilError;
}

describe('AT25 driver under faults', () => {
  test('stuck busy from the start: ETIMEDOUT after the node timeout, nothing written, no latch', async () => {
    const f = await mockAt25(AT25, { timeoutMs: 10 });
    f.model.faults.stuckBusy = true;
    const t0 = f.clock.nowUs();
    await fails(f.eeprom.write(0, pattern(4, 1)), 'ETIMEDOUT');
    expect(f.clock.nowUs() - t0).toBeGreaterThanOrEqual(10_000);
    expect(f.clock.nowUs() - t0).toBeLessThan(11_000);
    f.model.faults.stuckBusy = false;
    expect(f.model.status()).toBe(0);
    expect(f.model.memory.every((b) => b === 0xff)).toBe(true);
  });

  test('a write cycle that never ends on page 2: ETIMEDOUT, WRDI sent, page 1 kept, page 3 never sent', async () => {
    const f = await mockAt25(AT25);
    f.model.faults.hangOnCycle = 2;
    const data = pattern(3 * 32, 2);
    await fails(f.eeprom.write(0, data), 'ETIMEDOUT');
    const last = f.bus.log[f.bus.log.length - 1]!;
    expect(Array.from(last.xfers[0]!.tx)).toEqual([0x04]); // WRDI
    f.model.faults.stuckBusy = false;
    expect(f.model.status() & AT25_SR.WEL).toBe(0);
    expect(f.model.memory.subarray(0, 64)).toEqual(data.subarray(0, 64));
    expect(f.model.memory.subarray(64, 96).every((b) => b === 0xff)).toBe(true);
  });

  test('a silently dropped write is caught by verify: EIO naming the first differing offset', async () => {
    const f = await mockAt25(AT25);
    f.model.faults.dropWrites = 1;
    const data = pattern(40, 3);
    const err = await fails(f.eeprom.write(10, data), 'EIO');
    expect(err.message).toMatch(/offset 10 \(0xa\)/);
    expect(f.model.status()).toBe(0);
  });

  test('without verify a dropped write goes unnoticed (which is why verify defaults on)', async () => {
    const f = await mockAt25(AT25);
    f.model.faults.dropWrites = 1;
    await f.eeprom.write(0, pattern(4, 4), { verify: false });
    expect(f.model.memory.subarray(0, 4).every((b) => b === 0xff)).toBe(true);
  });

  test('a flipped bit on read fails verify at that offset', async () => {
    const f = await mockAt25(AT25);
    f.model.faults.flipOnRead = { offset: 77, mask: 0x10 };
    const err = await fails(f.eeprom.write(64, pattern(32, 5)), 'EIO');
    expect(err.message).toMatch(/offset 77 /);
  });

  test('bus error on the first transaction: EIO, nothing written, nothing latched', async () => {
    const f = await mockAt25(AT25);
    f.bus.faults.failTransaction(1);
    await fails(f.eeprom.write(0, pattern(4, 6)), 'EIO');
    expect(f.model.status()).toBe(0);
    expect(f.model.writeCycles).toBe(0);
  });

  test('bus error after WREN reached the chip: the driver clears the latch with WRDI', async () => {
    const f = await mockAt25(AT25);
    f.bus.faults.failTransaction(2, { afterOps: 1 }); // 1: RDSR; 2: WREN | WRITE…
    await fails(f.eeprom.write(0, pattern(4, 7)), 'EIO');
    expect(f.model.status()).toBe(0); // without the WRDI, WEL would still be set here
    expect(f.model.writeCycles).toBe(0);
  });

  test('bus error reported after a whole page transaction: EIO; the cycle ends and clears WEL', async () => {
    const f = await mockAt25(AT25);
    f.bus.faults.failTransaction(2, { afterOps: 4 });
    await fails(f.eeprom.write(0, pattern(4, 8)), 'EIO');
    f.clock.advanceUs(5000);
    expect(f.model.status()).toBe(0);
  });

  test('bus error while polling: EIO propagates', async () => {
    const f = await mockAt25(AT25);
    f.bus.faults.failTransaction(3);
    await fails(f.eeprom.write(0, pattern(4, 9)), 'EIO');
    f.clock.advanceUs(5000);
    expect(f.model.status()).toBe(0);
  });

  test('block protection set behind the driver: EROFS after one RDSR, nothing else sent', async () => {
    const f = await mockAt25(AT25);
    f.model.select();
    f.model.exchange(0x06);
    f.model.deselect();
    f.model.select();
    f.model.exchange(0x01);
    f.model.exchange(0x0c);
    f.model.deselect();
    f.clock.advanceUs(5000);
    const before = f.bus.log.length;
    await fails(f.eeprom.write(0, Uint8Array.of(1)), 'EROFS');
    expect(f.bus.log.length - before).toBe(1);
    expect(Array.from(f.bus.log[before]!.xfers[0]!.tx)).toEqual([0x05]);
  });

  test('WPEN with the WP pin low: setProtection fails with EROFS and leaves no latch', async () => {
    const f = await mockAt25(AT25);
    await f.eeprom.setProtection({ blocks: 'none', wpen: true });
    f.model.wpPin = false;
    await fails(f.eeprom.setProtection({ blocks: 'all' }), 'EROFS');
    expect(f.model.status()).toBe(AT25_SR.WPEN);
    f.model.wpPin = true;
    await f.eeprom.setProtection({ blocks: 'all', wpen: false });
    expect(await f.eeprom.status()).toMatchObject({ blocks: 'all', wpen: false, wel: false });
  });
});

describe.each([true, false])('AT24 driver under faults (repeated START %s)', (repeatedStart) => {
  test('stuck busy: ETIMEDOUT after the node timeout, nothing written', async () => {
    const f = await mockAt24(AT24, { repeatedStart, timeoutMs: 10 });
    f.model.faults.stuckBusy = true;
    const t0 = f.clock.nowUs();
    await fails(f.eeprom.write(0, pattern(4, 1)), 'ETIMEDOUT');
    expect(f.clock.nowUs() - t0).toBeGreaterThanOrEqual(10_000);
    expect(f.clock.nowUs() - t0).toBeLessThan(11_000);
    expect(f.model.memory.every((b) => b === 0xff)).toBe(true);
  });

  test('a write cycle that never ends: ETIMEDOUT on the next page', async () => {
    const f = await mockAt24(AT24, { repeatedStart });
    f.model.faults.hangOnCycle = 1;
    await fails(f.eeprom.write(0, pattern(64, 2)), 'ETIMEDOUT');
    expect(f.model.writeCycles).toBe(1);
  });

  test('dropped write and WP pin high are caught by verify with EIO', async () => {
    const f = await mockAt24(AT24, { repeatedStart });
    f.model.faults.dropWrites = 1;
    expect((await fails(f.eeprom.write(5, pattern(8, 3)), 'EIO')).message).toMatch(/offset 5 /);
    f.model.wpPin = true;
    expect((await fails(f.eeprom.write(100, pattern(8, 4)), 'EIO')).message).toMatch(/offset 100 /);
  });

  test('a flipped bit on read fails verify at that offset', async () => {
    const f = await mockAt24(AT24, { repeatedStart });
    f.model.faults.flipOnRead = { offset: 33, mask: 0x01 };
    expect((await fails(f.eeprom.write(32, pattern(8, 5)), 'EIO')).message).toMatch(/offset 33 /);
  });

  test('a bus error is not mistaken for busy: EIO at once, no retry', async () => {
    const f = await mockAt24(AT24, { repeatedStart });
    f.bus.faults.failTransaction(1);
    await fails(f.eeprom.read(0, 4), 'EIO');
    expect(f.bus.log).toHaveLength(1);
  });
});
