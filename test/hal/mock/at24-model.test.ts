/**
 * AT24 model against the datasheet, through the mock I2C controller with explicit messages,
 * with and without repeated START.
 */
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import { At24Model, type At24ModelOptions } from '../../../src/hal/mock/at24-model';
import { MockI2cController } from '../../../src/hal/mock/i2c-controller';

function setup(opts: Partial<At24ModelOptions> = {}, repeatedStart = true) {
  const clock = new VirtualClock();
  const m = new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock, writeCycleUs: 5000, ...opts });
  const bus = new MockI2cController({ name: 'i2c', clock, repeatedStart });
  bus.attach(m);
  const w = (addr: number, ...bytes: number[]) => bus.run([{ addr, read: false, buf: Uint8Array.from(bytes) }]);
  const rd = (addr: number, word: number[], n: number): number[] => {
    const buf = new Uint8Array(n);
    bus.run([
      { addr, read: false, buf: Uint8Array.from(word) },
      { addr, read: true, buf },
    ]);
    return Array.from(buf);
  };
  const cur = (addr: number, n: number): number[] => {
    const buf = new Uint8Array(n);
    bus.run([{ addr, read: true, buf }]);
    return Array.from(buf);
  };
  return { m, clock, bus, w, rd, cur };
}

function code(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof HilError ? e.code : 'not a HilError';
  }
  return undefined;
}

describe.each([true, false])('At24Model (repeated START %s)', (repeatedStart) => {
  test('byte write then random read', () => {
    const { w, rd, clock } = setup({}, repeatedStart);
    w(0x50, 0x10, 0xab);
    clock.advanceUs(5000);
    expect(rd(0x50, [0x10], 2)).toEqual([0xab, 0xff]);
  });

  test('NACKs its address, for writes and reads, while the write cycle runs (acknowledge polling)', () => {
    const { w, rd, cur, clock, bus, m } = setup({}, repeatedStart);
    w(0x50, 0x00, 0x01);
    expect(code(() => w(0x50))).toBe('EREMOTEIO');
    expect(code(() => cur(0x50, 1))).toBe('EREMOTEIO');
    expect(bus.log[bus.log.length - 1]).toMatchObject({ error: 'EREMOTEIO', msgs: [{ addr: 0x50, acked: false }] });
    clock.advanceUs(4990); // minus the wire time of the polls above
    expect(m.busy()).toBe(false);
    expect(rd(0x50, [0], 1)).toEqual([1]);
  });

  test('a dummy write (word address only) sets the pointer and starts no cycle', () => {
    const { w, cur, m } = setup({}, repeatedStart);
    m.memory[0x20] = 7;
    w(0x50, 0x20);
    expect(m.busy()).toBe(false);
    expect(cur(0x50, 1)).toEqual([7]);
    expect(m.writeCycles).toBe(0);
  });

  test('page write wraps inside the page', () => {
    const { w, m } = setup({ size: 256, pageSize: 8 }, repeatedStart);
    w(0x50, 14, 1, 2, 3, 4); // page 8..15: 14, 15, 8, 9
    expect(Array.from(m.memory.subarray(8, 16))).toEqual([3, 4, 0xff, 0xff, 0xff, 0xff, 1, 2]);
    expect(m.memory[16]).toBe(0xff);
  });

  test('sequential read rolls over at the end of the whole array, across blocks', () => {
    const { rd, m } = setup({ size: 2048, pageSize: 16, addressWidth: 8 }, repeatedStart); // AT24C16
    m.memory[2047] = 0x77;
    m.memory[0] = 0x00;
    m.memory[255] = 0x0f;
    m.memory[256] = 0x10;
    expect(rd(0x57, [0xff], 2)).toEqual([0x77, 0x00]);
    expect(rd(0x50, [0xff], 2)).toEqual([0x0f, 0x10]);
  });

  test('current-address read continues where the last operation left off', () => {
    const { rd, cur, m } = setup({}, repeatedStart);
    m.memory.set([1, 2, 3, 4], 40);
    expect(rd(0x50, [40], 2)).toEqual([1, 2]);
    expect(cur(0x50, 2)).toEqual([3, 4]);
  });

  test('block-select bits in the device address (AT24C16: A10..A8 on 0x50..0x57)', () => {
    const { w, rd, m, clock } = setup({ size: 2048, pageSize: 16, addressWidth: 8 }, repeatedStart);
    expect(m.addresses).toEqual([0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57]);
    w(0x53, 0x10, 0x5a);
    clock.advanceUs(5000);
    expect(m.memory[0x310]).toBe(0x5a);
    expect(rd(0x53, [0x10], 1)).toEqual([0x5a]);
  });

  test('A16 in the device address and a 2-byte word address (AT24CM01)', () => {
    const { w, rd, m, clock, bus } = setup({ size: 131072, pageSize: 256, addressWidth: 16, address: 0x52 }, repeatedStart);
    expect(m.addresses).toEqual([0x52, 0x53]);
    w(0x53, 0x23, 0x45, 0x99);
    clock.advanceUs(5000);
    expect(m.memory[0x12345]).toBe(0x99);
    expect(rd(0x53, [0x23, 0x45], 1)).toEqual([0x99]);
    expect(code(() => bus.run([{ addr: 0x50, read: true, buf: new Uint8Array(1) }]))).toBe('EREMOTEIO');
  });

  test('WP high: everything is acknowledged, no write cycle starts, the chip is ready at once', () => {
    const { w, rd, m } = setup({}, repeatedStart);
    m.wpPin = true;
    w(0x50, 0, 1, 2, 3);
    expect(m.busy()).toBe(false);
    expect(rd(0x50, [0], 3)).toEqual([0xff, 0xff, 0xff]);
  });

  test('faults: stuck busy, dropped write, flipped bit', () => {
    const { w, rd, m, clock } = setup({}, repeatedStart);
    m.faults.dropWrites = 1;
    w(0x50, 0, 0x12);
    expect(m.busy()).toBe(true); // the cycle runs
    clock.advanceUs(5000);
    expect(rd(0x50, [0], 1)).toEqual([0xff]);
    m.memory[5] = 0x80;
    m.faults.flipOnRead = { offset: 5, mask: 0x80 };
    expect(rd(0x50, [5], 1)).toEqual([0x00]);
    m.faults.stuckBusy = true;
    clock.advanceUs(1e6);
    expect(code(() => rd(0x50, [5], 1))).toBe('EREMOTEIO');
    m.faults.stuckBusy = false;
    m.faults.hangOnCycle = 1;
    w(0x50, 0, 1);
    clock.advanceUs(1e6);
    expect(m.busy()).toBe(true);
  });
});

test('a repeated START in the middle of a page write aborts it (the cycle starts only at STOP)', () => {
  const { bus, m } = setup({}, true);
  bus.run([
    { addr: 0x50, read: false, buf: Uint8Array.of(0, 1, 2) },
    { addr: 0x50, read: true, buf: new Uint8Array(1) },
  ]);
  expect(m.writeCycles).toBe(0);
  expect(m.memory[0]).toBe(0xff);
});

test('without repeated START each message is its own START…STOP, so the same write commits', () => {
  const { bus, m } = setup({}, false);
  expect(() =>
    bus.run([
      { addr: 0x50, read: false, buf: Uint8Array.of(0, 1, 2) },
      { addr: 0x50, read: true, buf: new Uint8Array(1) },
    ]),
  ).toThrow(/acknowledge/); // the read finds the chip busy
  expect(m.writeCycles).toBe(1);
  expect(m.memory[0]).toBe(1);
});

test('rejects a device address not aligned to the part or out of range', () => {
  const clock = new VirtualClock();
  expect(() => new At24Model({ size: 2048, pageSize: 16, addressWidth: 8, clock, address: 0x51 })).toThrow(RangeError);
  expect(() => new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock, address: 0x78 })).toThrow(RangeError);
});
