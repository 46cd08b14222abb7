/**
 * Builds a driver on a mock bus with a device model for any part of the parts table: the
 * fixture the driver tests, the property tests and the conformance run share.
 */
import type { At24Config, At25Config } from '../../src/abi/device-config';
import { VirtualClock } from '../../src/hal/clock';
import { At24Model } from '../../src/hal/mock/at24-model';
import { At25Model } from '../../src/hal/mock/at25-model';
import { MockI2cController } from '../../src/hal/mock/i2c-controller';
import { MockSpiController } from '../../src/hal/mock/spi-controller';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { partConfig, type At24Part, type At25Part, type PartConfigOptions } from '../../src/devicetree/parts';
import { DirectI2cDevice, DirectSpiDevice, virtualEnv } from './direct-device';

export interface MockFixtureOptions extends PartConfigOptions {
  readonly clock?: VirtualClock;
  readonly maxTransferBytes?: number;
  readonly writeCycleUs?: number;
  /** AT24 only: repeated START between messages (default true). */
  readonly repeatedStart?: boolean;
  readonly pollIntervalUs?: number;
}

export interface At25Fixture {
  readonly clock: VirtualClock;
  readonly bus: MockSpiController;
  readonly model: At25Model;
  readonly dev: DirectSpiDevice;
  readonly cfg: At25Config;
  readonly eeprom: At25Eeprom;
}

export interface At24Fixture {
  readonly clock: VirtualClock;
  readonly bus: MockI2cController;
  readonly model: At24Model;
  readonly dev: DirectI2cDevice;
  readonly cfg: At24Config;
  readonly eeprom: At24Eeprom;
}

export async function mockAt25(part: At25Part, opts: MockFixtureOptions = {}): Promise<At25Fixture> {
  const clock = opts.clock ?? new VirtualClock();
  const bus = new MockSpiController({ name: 'mock-spi', clock, maxTransferBytes: opts.maxTransferBytes ?? 4096 });
  const model = new At25Model({ ...part, clock, writeCycleUs: opts.writeCycleUs ?? 5000 });
  bus.attach(0, model);
  const cfg = partConfig(part, opts);
  const dev = new DirectSpiDevice(await bus.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: cfg.maxSpeedHz }));
  const eeprom = new At25Eeprom(dev, cfg, virtualEnv(clock), { pollIntervalUs: opts.pollIntervalUs ?? 250 });
  return { clock, bus, model, dev, cfg, eeprom };
}

export async function mockAt24(part: At24Part, opts: MockFixtureOptions = {}): Promise<At24Fixture> {
  const clock = opts.clock ?? new VirtualClock();
  const bus = new MockI2cController({
    name: 'mock-i2c',
    clock,
    repeatedStart: opts.repeatedStart ?? true,
    maxTransferBytes: opts.maxTransferBytes ?? 8192,
  });
  const cfg = partConfig(part, opts);
  const model = new At24Model({ ...part, address: cfg.address, clock, writeCycleUs: opts.writeCycleUs ?? 5000 });
  bus.attach(model);
  const dev = new DirectI2cDevice(bus);
  const eeprom = new At24Eeprom(dev, cfg, virtualEnv(clock), { pollIntervalUs: opts.pollIntervalUs ?? 250 });
  return { clock, bus, model, dev, cfg, eeprom };
}
