/**
 * The mock buses' timing model: the wire-time and overhead arithmetic, what a timed bus charges
 * the clock (checked on a VirtualClock), when the models see each event, the running totals a
 * benchmark divides by, write cycles and acknowledge polling on a timed bus, and that on the
 * real clock neither a wait nor a timed transaction ever ends before its modelled time.
 */
import { RealClock, REAL_CLOCK_SPIN_LIMIT_US, VirtualClock, type Clock } from '../../../src/hal/clock';
import { At24Model } from '../../../src/hal/mock/at24-model';
import { AT25_OP, AT25_SR, At25Model } from '../../../src/hal/mock/at25-model';
import { MockI2cController } from '../../../src/hal/mock/i2c-controller';
import { MockSpiController } from '../../../src/hal/mock/spi-controller';
import type { SpiSlaveModel } from '../../../src/hal/mock/spi-slave';
import {
  I2C_TIMING_RPI,
  i2cOverheadUs,
  i2cTransferUs,
  i2cWireBits,
  i2cWireUs,
  SPI_TIMING_RPI,
  spiOverheadUs,
  spiTransactionUs,
  spiWireUs,
} from '../../../src/hal/mock/timing';
import type { SpiTransfer } from '../../../src/hal/spi';

/** Notes the clock at every chip-select edge and byte. */
class Stamps implements SpiSlaveModel {
  readonly events: string[] = [];
  constructor(private readonly clock: Clock) {}
  select(): void {
    this.events.push(`CS↓@${this.clock.nowUs()}`);
  }
  exchange(mosi: number): number {
    this.events.push(`${mosi}@${this.clock.nowUs()}`);
    return 0;
  }
  deselect(): void {
    this.events.push(`CS↑@${this.clock.nowUs()}`);
  }
}

describe('arithmetic', () => {
  test('SPI wire time: bits at the transfer clock or the device clock, plus delays', () => {
    expect(spiWireUs([{ len: 3 }], 1_000_000)).toBe(24);
    expect(spiWireUs([{ len: 3, speedHz: 2_000_000 }, { len: 1, delayUs: 5 }], 1_000_000)).toBe(12 + 8 + 5);
    // 16-bit words take two bytes of the buffer: 4 bytes are 2 words of 16 clocks
    expect(spiWireUs([{ len: 4, bitsPerWord: 16 }], 1_000_000)).toBe(32);
    expect(spiWireUs([], 1_000_000)).toBe(0);
    expect(() => spiWireUs([{ len: 1 }], 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  test('SPI overhead: per transaction, per transfer, per chip-select toggle between transfers', () => {
    const t = { transactionUs: 100, transferUs: 10, csChangeUs: 1 };
    expect(spiOverheadUs([{}, { csChange: true }, {}], t)).toBe(100 + 30 + 1);
    // csChange on the last transfer toggles nothing inside the transaction
    expect(spiOverheadUs([{ csChange: true }, { csChange: true }], t)).toBe(100 + 20 + 1);
    expect(spiTransactionUs([{ len: 2 }], 1_000_000, t)).toBe(16 + 110);
    expect(spiTransactionUs([{ len: 2 }], 1_000_000)).toBe(16 + SPI_TIMING_RPI.transactionUs + SPI_TIMING_RPI.transferUs);
  });

  test('I2C wire time: START and STOP one bit time each, nine per address and per byte', () => {
    const one = [{ buf: new Uint8Array(2) }];
    expect(i2cWireBits(one)).toBe(1 + 9 + 18 + 1);
    expect(i2cWireUs(one, 100_000)).toBe(290);
    const two = [{ buf: new Uint8Array(2) }, { buf: new Uint8Array(4) }];
    expect(i2cWireBits(two, true)).toBe(10 + 18 + 10 + 36 + 1); // repeated START, one STOP
    expect(i2cWireBits(two, false)).toBe(10 + 18 + 10 + 36 + 2); // a STOP after each message
    expect(i2cWireUs([], 400_000)).toBe(0);
    expect(() => i2cWireUs(one, -1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  test('I2C overhead: one system call per transfer with repeated START, one per message without', () => {
    const two = [{ buf: new Uint8Array(1) }, { buf: new Uint8Array(1) }];
    const t = { transactionUs: 100, messageUs: 10 };
    expect(i2cOverheadUs(two, true, t)).toBe(100 + 20);
    expect(i2cOverheadUs(two, false, t)).toBe(200 + 20);
    expect(i2cTransferUs(two, 100_000, true)).toBe(i2cWireUs(two, 100_000) + I2C_TIMING_RPI.transactionUs + 2 * I2C_TIMING_RPI.messageUs);
  });
});

describe('a timed SPI bus on a virtual clock', () => {
  async function setup(timing: boolean | { transactionUs?: number; transferUs?: number; csChangeUs?: number }) {
    const clock = new VirtualClock();
    const bus = new MockSpiController({ name: 'spi-t', clock, timing });
    const chip = new Stamps(clock);
    bus.attach(0, chip);
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1_000_000 });
    return { clock, bus, chip, dev };
  }
  const xfers: SpiTransfer[] = [
    { tx: Uint8Array.of(6), len: 1, csChange: true },
    { tx: Uint8Array.of(2, 0, 0), len: 3, speedHz: 500_000, delayUs: 3 },
  ];

  test('off: the clock advances by the wire time only (as before the timing model)', async () => {
    const { clock, bus, dev } = await setup(false);
    expect(bus.timing).toBeUndefined();
    await dev.transfer(xfers);
    expect(clock.nowUs()).toBeCloseTo(spiWireUs(xfers, 1_000_000));
    expect(bus.time).toEqual({ transactions: 1, wireUs: spiWireUs(xfers, 1_000_000), overheadUs: 0 });
  });

  test('on: the clock advances by exactly the modelled time, wire plus overhead', async () => {
    const { clock, bus, dev } = await setup(true);
    expect(bus.timing).toEqual(SPI_TIMING_RPI);
    await dev.transfer(xfers);
    await dev.transfer([{ len: 64 }]);
    const expected = spiTransactionUs(xfers, 1_000_000) + spiTransactionUs([{ len: 64 }], 1_000_000);
    expect(clock.nowUs()).toBeCloseTo(expected, 9);
    const time = bus.time;
    expect(time.transactions).toBe(2);
    expect(time.wireUs).toBeCloseTo(spiWireUs(xfers, 1_000_000) + 512, 9);
    expect(time.wireUs + time.overheadUs).toBeCloseTo(expected, 9);
  });

  test('on: the chip sees every edge and byte at its modelled time', async () => {
    const { chip, dev } = await setup({ transactionUs: 100, transferUs: 10, csChangeUs: 5 });
    await dev.transfer(xfers);
    // select after the transaction overhead; each transfer's bytes after its set-up; the first
    // transfer's 8 µs of wire, then chip select high for csChangeUs; the second transfer's bytes
    // are all exchanged at its start, then 48 µs of wire and its 3 µs delay before the release
    expect(chip.events).toEqual(['CS↓@100', '6@110', 'CS↑@118', 'CS↓@123', '2@133', '0@133', '0@133', 'CS↑@184']);
  });

  test('run() charges the same time synchronously; faults and limits still apply', async () => {
    const { clock, bus, dev } = await setup(true);
    bus.run({ chipSelect: 0, mode: 0, maxSpeedHz: 1_000_000 }, xfers);
    expect(clock.nowUs()).toBeCloseTo(spiTransactionUs(xfers, 1_000_000), 9);
    bus.faults.failTransaction(1, { code: 'ETIMEDOUT', afterOps: 1 });
    await expect(dev.transfer(xfers)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(dev.transfer([{ len: 5000 }])).rejects.toMatchObject({ code: 'EMSGSIZE' });
    expect(bus.log.map((r) => r.error)).toEqual([undefined, 'ETIMEDOUT']);
  });

  test('timing constants can be replaced one by one; nonsense is EINVAL', () => {
    const clock = new VirtualClock();
    expect(new MockSpiController({ name: 's', clock, timing: { transferUs: 0 } }).timing).toEqual({ ...SPI_TIMING_RPI, transferUs: 0 });
    expect(() => new MockSpiController({ name: 's', clock, timing: { csChangeUs: -1 } })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new MockI2cController({ name: 'i', clock, timing: { messageUs: Number.NaN } })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  test('a page write keeps the AT25 busy for tWC of the same clock: polling waits it out', async () => {
    const clock = new VirtualClock();
    const bus = new MockSpiController({ name: 'spi-t', clock, timing: true });
    const chip = new At25Model({ size: 1024, pageSize: 16, addressWidth: 16, clock, writeCycleUs: 5000 });
    bus.attach(0, chip);
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 5_000_000 });
    await dev.transfer([{ tx: Uint8Array.of(AT25_OP.WREN), len: 1, csChange: true }, { tx: Uint8Array.of(AT25_OP.WRITE, 0, 0, 0xaa), len: 4 }]);
    const cycleStart = clock.nowUs();
    expect(chip.writeCycleUs).toBe(5000);
    const rdsr: SpiTransfer[] = [{ tx: Uint8Array.of(AT25_OP.RDSR), len: 1 }, { rx: new Uint8Array(1), len: 1 }];
    let polls = 0;
    for (;;) {
      const sr = new Uint8Array(1);
      await dev.transfer([rdsr[0]!, { rx: sr, len: 1 }]);
      polls++;
      if (!(sr[0]! & AT25_SR.WIP)) break;
    }
    const perPoll = spiTransactionUs(rdsr, 5_000_000);
    // the status byte is sampled at the start of its transfer, one set-up and one opcode in
    const sampledAt = cycleStart + (polls - 1) * perPoll + SPI_TIMING_RPI.transactionUs + SPI_TIMING_RPI.transferUs * 2 + 1.6;
    expect(sampledAt).toBeGreaterThanOrEqual(cycleStart + 5000);
    expect(sampledAt - perPoll).toBeLessThan(cycleStart + 5000);
    expect(chip.memory[0]).toBe(0xaa);
  });
});

describe('a timed I2C bus on a virtual clock', () => {
  const msgs = () => [
    { addr: 0x50, read: false, buf: Uint8Array.of(0) }, // word address: a random read, no write cycle
    { addr: 0x50, read: true, buf: new Uint8Array(8) },
  ];

  test.each([true, false])('repeatedStart %s: the clock advances by exactly wire plus overhead', async (repeatedStart) => {
    const clock = new VirtualClock();
    const bus = new MockI2cController({ name: 'i2c-t', clock, repeatedStart, busHz: 100_000, timing: true });
    bus.attach(new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock }));
    await bus.transfer(msgs());
    expect(clock.nowUs()).toBeCloseTo(i2cTransferUs(msgs(), 100_000, repeatedStart), 9);
    expect(bus.time.wireUs).toBeCloseTo(i2cWireUs(msgs(), 100_000, repeatedStart), 9);
    expect(bus.time.overheadUs).toBeCloseTo(i2cOverheadUs(msgs(), repeatedStart), 9);
  });

  test('off: wire time only, at the bus clock', async () => {
    const clock = new VirtualClock();
    const bus = new MockI2cController({ name: 'i2c-t', clock, busHz: 400_000 });
    bus.attach(new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock }));
    await bus.transfer(msgs());
    expect(bus.busHz).toBe(400_000);
    expect(clock.nowUs()).toBeCloseTo(i2cWireUs(msgs(), 400_000), 9);
    expect(bus.time.overheadUs).toBe(0);
  });

  test('acknowledge polling during a write cycle costs START, address and STOP, not the whole message', async () => {
    const clock = new VirtualClock();
    const bus = new MockI2cController({ name: 'i2c-t', clock, busHz: 100_000, timing: true });
    const chip = new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock, writeCycleUs: 5000 });
    bus.attach(chip);
    await bus.transfer([{ addr: 0x50, read: false, buf: Uint8Array.of(0, 0x5a) }]);
    const cycleStart = clock.nowUs();
    const busyUntil = cycleStart - 10 + chip.writeCycleUs; // the cycle starts at the STOP, one bit time before the end
    const poll = I2C_TIMING_RPI.transactionUs + I2C_TIMING_RPI.messageUs + 110; // set-up, START + address + NACK, STOP
    const ackAt = I2C_TIMING_RPI.transactionUs + I2C_TIMING_RPI.messageUs + 100; // the address is acknowledged or not here
    let failures = 0;
    for (;;) {
      const before = clock.nowUs();
      try {
        await bus.transfer(msgs());
        break;
      } catch (e) {
        expect(e).toMatchObject({ code: 'EREMOTEIO' });
        expect(clock.nowUs() - before).toBeCloseTo(poll, 9);
        failures++;
      }
    }
    expect(failures).toBe(Math.ceil((busyUntil - cycleStart - ackAt) / poll));
    expect(chip.memory[0]).toBe(0x5a);
  });
});

describe('the real clock', () => {
  test.each([50, REAL_CLOCK_SPIN_LIMIT_US + 3000])('waitUntilUs(now + %i µs) never resolves before its deadline', async (us) => {
    const clock = new RealClock();
    const deadline = clock.nowUs() + us;
    await clock.waitUntilUs(deadline);
    expect(clock.nowUs()).toBeGreaterThanOrEqual(deadline);
    await clock.waitUntilUs(deadline - 1000); // already past: resolves at once
  });

  test('timed transactions resolve no earlier than their modelled time, NACKs included', async () => {
    const clock = new RealClock();
    const bus = new MockSpiController({ name: 'spi-real', clock, timing: true });
    const dev = await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1_000_000 });
    const xfers: SpiTransfer[] = [{ len: 300 }]; // 2.4 ms of wire: a timer, then a spin
    const t0 = clock.nowUs();
    await dev.transfer(xfers);
    expect(clock.nowUs() - t0).toBeGreaterThanOrEqual(spiTransactionUs(xfers, 1_000_000));
    const i2c = new MockI2cController({ name: 'i2c-real', clock, busHz: 100_000, timing: { transactionUs: 0, messageUs: 0 } });
    const t1 = clock.nowUs();
    await expect(i2c.transfer([{ addr: 0x50, read: true, buf: new Uint8Array(4) }])).rejects.toMatchObject({ code: 'EREMOTEIO' });
    expect(clock.nowUs() - t1).toBeGreaterThanOrEqual(110); // START, address, NACK, STOP at 100 kHz
  });
});
