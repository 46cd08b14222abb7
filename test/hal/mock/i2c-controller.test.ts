/**
 * The mock I2C controller: bus events in the right order with and without repeated START, NACK
 * as EREMOTEIO, limits, wire time, logging and injected bus errors.
 */
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import type { I2cSlaveModel } from '../../../src/hal/mock/i2c-slave';
import { MockI2cController } from '../../../src/hal/mock/i2c-controller';

class Recorder implements I2cSlaveModel {
  readonly events: string[] = [];
  nackByte = -1;
  private n = 0;
  constructor(readonly addresses: readonly number[]) {}
  start(addr: number, read: boolean): boolean {
    this.events.push(`S ${addr.toString(16)} ${read ? 'R' : 'W'}`);
    return true;
  }
  write(byte: number): boolean {
    this.events.push(`W ${byte}`);
    return this.n++ !== this.nackByte;
  }
  read(): number {
    this.events.push('R');
    return 0x42;
  }
  stop(): void {
    this.events.push('P');
  }
}

function setup(repeatedStart: boolean) {
  const clock = new VirtualClock();
  const bus = new MockI2cController({ name: 'i2c-test', clock, repeatedStart, maxTransferBytes: 16, busHz: 100_000 });
  const dev = new Recorder([0x50]);
  bus.attach(dev);
  return { clock, bus, dev };
}

const msgs = () => [
  { addr: 0x50, read: false, buf: Uint8Array.of(1) },
  { addr: 0x50, read: true, buf: new Uint8Array(2) },
];

test('with repeated START, messages are joined and one STOP ends the transfer', async () => {
  const { bus, dev } = setup(true);
  const m = msgs();
  await bus.transfer(m);
  expect(dev.events).toEqual(['S 50 W', 'W 1', 'S 50 R', 'R', 'R', 'P']);
  expect(m[1]!.buf).toEqual(Uint8Array.of(0x42, 0x42));
  expect(bus.log).toEqual([
    {
      msgs: [
        { addr: 0x50, read: false, data: Uint8Array.of(1), acked: true },
        { addr: 0x50, read: true, data: Uint8Array.of(0x42, 0x42), acked: true },
      ],
    },
  ]);
});

test('without repeated START, every message is its own START…STOP', async () => {
  const { bus, dev } = setup(false);
  await bus.transfer(msgs());
  expect(dev.events).toEqual(['S 50 W', 'W 1', 'P', 'S 50 R', 'R', 'R', 'P']);
});

test('a missing device or a NACKed byte fails with EREMOTEIO and a STOP', async () => {
  const { bus, dev } = setup(true);
  await expect(bus.transfer([{ addr: 0x51, read: true, buf: new Uint8Array(1) }])).rejects.toMatchObject({ code: 'EREMOTEIO' });
  dev.nackByte = 1;
  await expect(bus.transfer([{ addr: 0x50, read: false, buf: Uint8Array.of(1, 2, 3) }])).rejects.toMatchObject({ code: 'EREMOTEIO' });
  expect(dev.events).toEqual(['S 50 W', 'W 1', 'W 2', 'P']);
  expect(bus.log[1]).toMatchObject({ error: 'EREMOTEIO', msgs: [{ data: Uint8Array.of(1, 2), acked: false }] });
});

test('limits: message size (EMSGSIZE) and 7-bit addresses (EINVAL), checked before the wire', async () => {
  const { bus, dev } = setup(true);
  await expect(bus.transfer([{ addr: 0x50, read: true, buf: new Uint8Array(17) }])).rejects.toMatchObject({ code: 'EMSGSIZE' });
  await expect(bus.transfer([{ addr: 0x80, read: true, buf: new Uint8Array(1) }])).rejects.toMatchObject({ code: 'EINVAL' });
  expect(dev.events).toEqual([]);
});

test('wire time: 9 bit times per byte plus START/address and STOP', async () => {
  const { bus, clock } = setup(true);
  await bus.transfer([{ addr: 0x50, read: false, buf: Uint8Array.of(1, 2) }]);
  // 100 kHz: 10 µs per bit; START+address 10 bits, 2 bytes x 9 bits, STOP 1 bit
  expect(clock.nowUs()).toBeCloseTo(100 + 180 + 10);
});

test('an address taken by another model is refused', () => {
  const { bus } = setup(true);
  expect(() => bus.attach(new Recorder([0x50]))).toThrow(HilError);
});

test('injected bus error on the n-th transfer, before or part-way through it', async () => {
  const { bus, dev } = setup(true);
  bus.faults.failTransaction(2);
  await bus.transfer(msgs());
  await expect(bus.transfer(msgs())).rejects.toMatchObject({ code: 'EIO' });
  await bus.transfer(msgs());
  expect(bus.faults.pending).toBe(0);
  dev.events.length = 0;
  bus.faults.failTransaction(1, { code: 'ETIMEDOUT', afterOps: 1 });
  await expect(bus.transfer(msgs())).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  expect(dev.events).toEqual(['S 50 W', 'W 1', 'P']);
});
