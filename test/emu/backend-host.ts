/**
 * Child-process host for the real hardware backends under the hilemu shim.
 *
 * The test process forks this file with LD_PRELOAD set (only this child sees the shim) and drives
 * the SpidevController / I2cDevController inside it over the IPC channel; see remote.ts for the
 * other end. The native addons are loaded here, in this process's main thread only.
 */
import { HilError, toHilError } from '../../src/abi/errno';
import { I2cDevController } from '../../src/hal/i2cdev';
import type { I2cController } from '../../src/hal/i2c';
import type { SpiController, SpiDevice, SpiDeviceOptions } from '../../src/hal/spi';
import { SpidevController, SpidevDevice } from '../../src/hal/spidev';
import type { HostReply, HostRequest } from './host-protocol';

const objects = new Map<number, SpiController | SpiDevice | I2cController>();
let nextHandle = 1;

function get<T>(handle: number, is: (o: unknown) => o is T): T {
  const o = objects.get(handle);
  if (!is(o)) throw new HilError('EBADF', `no such object ${handle}`);
  return o;
}
const isSpiCtl = (o: unknown): o is SpiController => o instanceof SpidevController;
const isSpiDev = (o: unknown): o is SpidevDevice => o instanceof SpidevDevice;
const isI2c = (o: unknown): o is I2cDevController => o instanceof I2cDevController;

function keep(o: SpiController | SpiDevice | I2cController): number {
  const h = nextHandle++;
  objects.set(h, o);
  return h;
}

async function run(req: HostRequest): Promise<Omit<HostReply, 'id'>> {
  switch (req.op) {
    case 'spi.controller': {
      const c = new SpidevController(req.bus, req.bufsizPath ? { bufsizPath: req.bufsizPath } : {});
      return { ok: true, handle: keep(c), name: c.name, maxTransferBytes: c.maxTransferBytes };
    }
    case 'spi.open': {
      const d = await get(req.handle, isSpiCtl).openDevice(req.opts as SpiDeviceOptions);
      return { ok: true, handle: keep(d), maxTransferBytes: d.maxTransferBytes };
    }
    case 'spi.transfer': {
      const rx = req.xfers.map((x) => (x.rxLen !== undefined ? new Uint8Array(x.rxLen) : undefined));
      await get(req.handle, isSpiDev).transfer(req.xfers.map((x, i) => ({ ...x, rx: rx[i] })));
      return { ok: true, rx: rx.map((r) => r ?? null) };
    }
    case 'spi.readOptions':
      return { ok: true, options: await get(req.handle, isSpiDev).readOptions() };
    case 'i2c.controller': {
      const c = await I2cDevController.open(req.bus);
      return { ok: true, handle: keep(c), name: c.name, maxTransferBytes: c.maxTransferBytes, repeatedStart: c.repeatedStart };
    }
    case 'i2c.transfer': {
      const msgs = req.msgs.map((m) => ({ addr: m.addr, read: m.read, buf: Uint8Array.from(m.buf) }));
      await get(req.handle, isI2c).transfer(msgs);
      return { ok: true, bufs: msgs.map((m) => m.buf) };
    }
    case 'close': {
      const o = objects.get(req.handle);
      objects.delete(req.handle);
      await o?.close();
      return { ok: true };
    }
  }
}

process.on('message', (req: HostRequest) => {
  run(req).then(
    (r) => process.send?.({ id: req.id, ...r }),
    (e: unknown) => process.send?.({ id: req.id, ok: false, error: toHilError(e).toJSON() }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true });
