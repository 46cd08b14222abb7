/**
 * The shared EEPROM conformance suite (test/conformance) over the real native paths: the AT25
 * driver through spi-device and the AT24 driver through i2c-bus, each in a child process under the
 * hilemu shim, with a fresh chip model per test. A representative part per addressing scheme keeps
 * CI fast; the mock suite covers every part of the table.
 */
import { VirtualClock } from '../../src/hal/clock';
import { At24Model } from '../../src/hal/mock/at24-model';
import { At25Model } from '../../src/hal/mock/at25-model';
import { At24Eeprom } from '../../src/userdrivers/at24';
import { At25Eeprom } from '../../src/userdrivers/at25';
import { partByName, partConfig, type At24Part, type At25Part } from '../../src/devicetree/parts';
import { runEepromConformance } from '../conformance/eeprom-conformance';
import { ModelServer } from '../emu/model-server';
import { EmuHost, type RemoteI2cController, type RemoteSpiController } from '../emu/remote';
import { DirectI2cDevice, DirectSpiDevice, virtualEnv } from '../helpers/direct-device';

const clock = new VirtualClock();
let server: ModelServer;
let host: EmuHost;
let spi: RemoteSpiController;
let i2c: RemoteI2cController;

beforeAll(async () => {
  server = await ModelServer.start({ clock });
  host = await EmuHost.start({ socketPath: server.socketPath, spidev: ['/dev/spidev0.0'], i2c: ['/dev/i2c-1'] });
  spi = await host.spidev(0);
  i2c = await host.i2cdev(1);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

const AT25 = ['AT25040', 'AT25640', 'AT25M01'].map((n) => partByName(n) as At25Part);
const AT24 = ['AT24C02', 'AT24C16', 'AT24C256'].map((n) => partByName(n) as At24Part);

runEepromConformance(
  'spidev (spi-device under LD_PRELOAD)',
  async (part, { readOnly }) => {
    const p = part as At25Part;
    const model = new At25Model({ size: p.size, pageSize: p.pageSize, addressWidth: p.addressWidth, clock });
    server.spi['/dev/spidev0.0'] = model;
    const cfg = partConfig(p, { readOnly });
    const dev = await spi.openDevice({ chipSelect: 0, mode: cfg.mode, maxSpeedHz: cfg.maxSpeedHz });
    const direct = new DirectSpiDevice(dev);
    return {
      eeprom: new At25Eeprom(direct, cfg, virtualEnv(clock)),
      memory: model.memory,
      transactions: () => direct.transactions,
      close: () => dev.close(),
    };
  },
  { parts: AT25 },
);

runEepromConformance(
  'i2c-dev (i2c-bus under LD_PRELOAD)',
  async (part, { readOnly }) => {
    const p = part as At24Part;
    const model = new At24Model({ size: p.size, pageSize: p.pageSize, addressWidth: p.addressWidth, address: 0x50, clock });
    server.i2c['/dev/i2c-1'] = [model];
    const direct = new DirectI2cDevice(i2c);
    return {
      eeprom: new At24Eeprom(direct, partConfig(p, { readOnly }), virtualEnv(clock)),
      memory: model.memory,
      transactions: () => direct.transactions,
      close: async () => undefined,
    };
  },
  { parts: AT24 },
);
