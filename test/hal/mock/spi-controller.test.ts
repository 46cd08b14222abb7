/**
 * The mock SPI controller: chip-select edges (including csChange), floating bus, limits, wire
 * time, logging and injected bus errors.
 */
import { VirtualClock } from '../../../src/hal/clock';
import type { SpiSlaveModel } from '../../../src/hal/mock/spi-slave';
import { MockSpiController } from '../../../src/hal/mock/spi-controller';
import { MOCK_LOG_KEEP } from '../../../src/hal/mock/faults';

class Recorder implements SpiSlaveModel {
  readonly events: string[] = [];
  select(): void {
    this.events.push('CS↓');
  }
  exchange(mosi: number): number {
    this.events.push(`${mosi}`);
    return mosi ^ 0xff;
  }
  deselect(): void {
    this.events.push('CS↑');
  }
}

async function setup() {
  const clock = new VirtualClock();
  const bus = new MockSpiController({ name: 'spi-test', clock, maxTransferBytes: 8 });
  const chip = new Recorder();
  bus.attach(1, chip);
  const dev = await bus.openDevice({ chipSelect: 1, mode: 0, maxSpeedHz: 1_000_000 });
  const floating = await bus.openDevice({ chipSelect: 2, mode: 0, maxSpeedHz: 1_000_000 });
  return { clock, bus, chip, dev, floating };
}

test('runs transfers with chip select held, deselecting between transfers marked csChange', async () => {
  const { bus, chip, dev } = await setup();
  const rx = new Uint8Array(2);
  await dev.transfer([{ tx: Uint8Array.of(6), len: 1, csChange: true }, { tx: Uint8Array.of(1, 2), rx, len: 2, csChange: true }]);
  // csChange on the last transfer does not leave the chip selected in the mock: one transaction, one selection
  expect(chip.events).toEqual(['CS↓', '6', 'CS↑', 'CS↓', '1', '2', 'CS↑']);
  expect(rx).toEqual(Uint8Array.of(0xfe, 0xfd));
  expect(bus.log[0]!.xfers.map((x) => Array.from(x.tx))).toEqual([[6], [1, 2]]);
});

test('a chip select with no model reads a floating bus (0xff)', async () => {
  const { floating } = await setup();
  const rx = new Uint8Array(2);
  await floating.transfer([{ rx, len: 2 }]);
  expect(rx).toEqual(Uint8Array.of(0xff, 0xff));
});

test('refuses a transaction over the bus limit with EMSGSIZE before the wire', async () => {
  const { chip, dev } = await setup();
  await expect(dev.transfer([{ len: 5 }, { len: 4 }])).rejects.toMatchObject({ code: 'EMSGSIZE' });
  expect(chip.events).toEqual([]);
});

test('advances the clock by the wire time of each transfer and its delay', async () => {
  const { clock, dev } = await setup();
  await dev.transfer([{ len: 2, delayUs: 3 }, { len: 1, speedHz: 2_000_000 }]);
  expect(clock.nowUs()).toBeCloseTo(16 + 3 + 4);
});

test('injected bus error: nothing sent, part of the transaction sent, or all of it', async () => {
  const { bus, chip, dev } = await setup();
  const xfers = [{ tx: Uint8Array.of(1), len: 1, csChange: true }, { tx: Uint8Array.of(2), len: 1 }];
  bus.faults.failTransaction(1);
  await expect(dev.transfer(xfers)).rejects.toMatchObject({ code: 'EIO' });
  expect(chip.events).toEqual([]);
  bus.faults.failTransaction(1, { afterOps: 1 });
  await expect(dev.transfer(xfers)).rejects.toMatchObject({ code: 'EIO' });
  expect(chip.events).toEqual(['CS↓', '1', 'CS↑', 'CS↓', 'CS↑']);
  chip.events.length = 0;
  bus.faults.failTransaction(2, { code: 'ETIMEDOUT', afterOps: 2 });
  await dev.transfer(xfers);
  await expect(dev.transfer(xfers)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  expect(chip.events.filter((e) => e === '2')).toHaveLength(2);
  expect(bus.log.map((r) => r.error)).toEqual(['EIO', 'EIO', undefined, 'ETIMEDOUT']);
});

test('the log keeps the most recent transactions, not every byte a long-running board ever moved', async () => {
  const { bus, dev } = await setup();
  for (let i = 0; i < 2 * MOCK_LOG_KEEP + 10; i++) await dev.transfer([{ tx: Uint8Array.of(i & 0xff, i >> 8), len: 2 }]);
  expect(bus.log.length).toBeLessThan(2 * MOCK_LOG_KEEP);
  expect(bus.log.length).toBeGreaterThanOrEqual(MOCK_LOG_KEEP);
  const last = 2 * MOCK_LOG_KEEP + 9;
  expect(Array.from(bus.log[bus.log.length - 1]!.xfers[0]!.tx)).toEqual([last & 0xff, last >> 8]);
});
