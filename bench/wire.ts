/**
 * The bus limit of an operation: the time its transactions hold the wire at the device's clock
 * (src/hal/mock/timing.ts: SPI bits / f per transfer, I2C nine bit times a byte plus START and
 * STOP), plus the part's write cycle for every page a write programs. Measured by running the
 * operation once through the in-kernel driver over a device API that adds up the wire time of
 * every transaction it passes on; the same driver issues the same transactions in every
 * placement, so one figure serves all of them.
 */
import { kernelDriverEnv } from '../src/kernel/inkernel';
import type { Kernel } from '../src/kernel/kernel';
import { i2cWireUs, spiWireUs } from '../src/hal/mock/timing';
import type { I2cDeviceApi, SpiDeviceApi } from '../src/user/device-api';
import { openDriver } from '../src/userdrivers/eeprom-server';
import type { CallJob } from './protocol';
import type { BenchDevice } from './target';

export interface WireCost {
  /** Time on the wire, µs. */
  readonly wireUs: number;
  /** Pages programmed (writes). */
  readonly pages: number;
  /** wireUs plus the write cycle of every page: the fastest the operation can be. */
  readonly limitUs: number;
  readonly transactions: number;
}

function metered(api: SpiDeviceApi | I2cDeviceApi, dev: BenchDevice): { api: SpiDeviceApi | I2cDeviceApi; wireUs: () => number; transactions: () => number } {
  let us = 0;
  let n = 0;
  if ('lock' in api) {
    const spi: SpiDeviceApi = {
      maxTransferBytes: api.maxTransferBytes,
      transfer: (xfers) => {
        n++;
        us += spiWireUs(xfers, dev.clockHz);
        return api.transfer(xfers);
      },
      lock: (ms) => api.lock(ms),
      unlock: () => api.unlock(),
    };
    return { api: spi, wireUs: () => us, transactions: () => n };
  }
  const i2c: I2cDeviceApi = {
    maxTransferBytes: api.maxTransferBytes,
    repeatedStart: api.repeatedStart,
    transfer: async (msgs) => {
      n++;
      await api.transfer(msgs);
      us += i2cWireUs(msgs, dev.clockHz, api.repeatedStart);
    },
  };
  return { api: i2c, wireUs: () => us, transactions: () => n };
}

/**
 * Runs `job` once in the kernel and returns what it cost the wire. An I2C transfer the part does
 * not acknowledge (a busy AT24 during its write cycle) fails before it is counted, so
 * acknowledge polling adds no wire time to the limit.
 */
export async function wireCost(k: Kernel, dev: BenchDevice, job: CallJob): Promise<WireCost> {
  const m = metered(k.deviceApi(dev.name), dev);
  const drv = openDriver(k.device(dev.name).config!, m.api, kernelDriverEnv());
  const buf = new Uint8Array(job.len).map((_, i) => (i * 7 + 3) & 0xff);
  if (job.op === 'read') await drv.readInto(job.offset, buf);
  else await drv.write(job.offset, buf, { verify: false });
  const pages = job.op === 'write' ? Math.floor((job.offset + job.len - 1) / dev.pageSize) - Math.floor(job.offset / dev.pageSize) + 1 : 0;
  const wireUs = m.wireUs();
  return { wireUs, pages, limitUs: wireUs + pages * dev.writeCycleUs, transactions: m.transactions() };
}
