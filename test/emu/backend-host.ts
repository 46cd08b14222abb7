/**
 * Child-process host for the real hardware backends under the hilemu shim.
 *
 * The test process forks this file with LD_PRELOAD set (only this child sees the shim) and drives
 * the SpidevController / I2cDevController / GPIO chip backend inside it over the IPC channel; see
 * remote.ts for the other end. The native packages are loaded here, in this process's main thread
 * only. A few `fs.*` operations let tests run plain Node file calls under the shim.
 */
import * as fs from 'node:fs';
import { HilError, toHilError } from '../../src/abi/errno';
import type { GpioController, GpioLineHandle } from '../../src/hal/gpio';
import { GpiochipController, listGpioChips, openGpioChip } from '../../src/hal/gpiochip';
import { gpioSys } from '../../src/hal/gpiochip/sys';
import { I2cDevController } from '../../src/hal/i2cdev';
import type { I2cController } from '../../src/hal/i2c';
import { loadI2cBus, type NativeI2cBus } from '../../src/hal/native';
import type { SpiController, SpiDevice, SpiDeviceOptions } from '../../src/hal/spi';
import { SpidevController, SpidevDevice } from '../../src/hal/spidev';
import type { HostReply, HostRequest } from './host-protocol';

type Hosted = SpiController | SpiDevice | I2cController | GpioController | GpioLineHandle;
const objects = new Map<number, Hosted>();
let nextHandle = 1;

function get<T>(handle: number, is: (o: unknown) => o is T): T {
  const o = objects.get(handle);
  if (!is(o)) throw new HilError('EBADF', `no such object ${handle}`);
  return o;
}
const isSpiCtl = (o: unknown): o is SpiController => o instanceof SpidevController;
const isSpiDev = (o: unknown): o is SpidevDevice => o instanceof SpidevDevice;
const isI2c = (o: unknown): o is I2cDevController => o instanceof I2cDevController;
const isGpio = (o: unknown): o is GpiochipController => o instanceof GpiochipController;
const isLine = (o: unknown): o is GpioLineHandle => typeof o === 'object' && o !== null && 'release' in o && 'offset' in o;

function keep(o: Hosted): number {
  const h = nextHandle++;
  objects.set(h, o);
  return h;
}

function cb<T>(f: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
}

/**
 * i2c-bus as an application uses it: open, write (which opens /dev/i2c-N with fs.open and sets the
 * address), close (fs.close: libuv's raw close system call, which the shim never sees). Then
 * ordinary files are opened until one gets the descriptor number the bus had, and written.
 */
async function i2cFdReuse(bus: number, addr: number, file: string, data: Uint8Array): Promise<{ device: number; file: number; opened: number }> {
  const i2c = loadI2cBus();
  const b = await new Promise<NativeI2cBus>((resolve, reject) => {
    const opened = i2c.open(bus, {}, (err) => (err ? reject(err) : resolve(opened)));
  });
  const probe = Uint8Array.of(0x00, 0x00);
  await cb<number>((done) => b.i2cWrite(addr, probe.length, Buffer.from(probe), (err, n) => done(err, n)));
  const device = (b as unknown as { _peripherals: number[] })._peripherals[addr];
  if (typeof device !== 'number') throw new HilError('EIO', 'i2c-bus kept no descriptor for the address');
  await cb((done) => b.close(done));
  const others: number[] = [];
  let fd = -1;
  try {
    for (let i = 0; i < 64 && fd !== device; i++) {
      const got = fs.openSync(file, 'w');
      if (got === device) fd = got;
      else others.push(got);
    }
    if (fd !== device) throw new HilError('EIO', `descriptor ${device} never came back in 64 opens`);
    fs.writeSync(fd, data); // write(2) at the file offset
    fs.writeSync(fd, data, 0, data.length, data.length); // pwrite(2), as i2c-bus writes
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    for (const o of others) fs.closeSync(o);
  }
  return { device, file: fd, opened: others.length + 1 };
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
    case 'gpio.list':
      return { ok: true, chips: listGpioChips(req.devDir) };
    case 'gpio.open': {
      const c = await openGpioChip({ chip: req.chip, devDir: req.devDir, consumer: req.consumer });
      return { ok: true, handle: keep(c), chip: { name: c.name, path: c.path, label: c.label, chipName: c.chipName, lineCount: c.lineCount } };
    }
    case 'gpio.lineInfo':
      return { ok: true, info: get(req.handle, isGpio).lineInfo(req.line) };
    case 'gpio.request': {
      const l = await get(req.handle, isGpio).request(req.line, req.req);
      return { ok: true, handle: keep(l), direction: l.direction };
    }
    case 'gpio.lineGet':
      return { ok: true, level: await get(req.handle, isGpio).line(req.line).get() };
    case 'gpio.lineSet':
      await get(req.handle, isGpio).line(req.line).set(req.level);
      return { ok: true };
    case 'gpio.get':
      return { ok: true, level: await get(req.handle, isLine).get() };
    case 'gpio.set':
      await get(req.handle, isLine).set(req.level);
      return { ok: true };
    case 'gpio.reconfigure': {
      const l = get(req.handle, isLine);
      await l.reconfigure(req.config);
      return { ok: true, direction: l.direction };
    }
    case 'sys.open':
      try {
        return { ok: true, fd: gpioSys().open(req.path) };
      } catch (e) {
        return { ok: true, code: (e as { code?: string }).code ?? 'EIO' };
      }
    case 'sys.ioctl': {
      const arg = Uint8Array.from(req.arg);
      try {
        gpioSys().ioctl(req.fd, req.request, arg);
        return { ok: true, arg };
      } catch (e) {
        return { ok: true, arg, code: (e as { code?: string }).code ?? 'EIO' };
      }
    }
    case 'sys.close':
      gpioSys().close(req.fd);
      return { ok: true };
    case 'fs.close':
      fs.closeSync(req.fd); // libuv: the raw close system call
      return { ok: true };
    case 'fs.open':
      try {
        fs.closeSync(fs.openSync(req.path, 'r'));
        return { ok: true };
      } catch (e) {
        return { ok: true, code: (e as { code?: string }).code ?? 'EIO' };
      }
    case 'fs.readdir':
      return { ok: true, names: fs.readdirSync(req.dir) };
    case 'fs.i2cFdReuse':
      return { ok: true, fds: await i2cFdReuse(req.bus, req.addr, req.file, req.data) };
    case 'close': {
      const o = objects.get(req.handle);
      objects.delete(req.handle);
      if (isLine(o)) await o.release();
      else await o?.close();
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
