/**
 * The i2c-dev backend: one Linux I2C adapter (/dev/i2c-N) driven through the `i2c-bus` package.
 *
 * i2c-bus selects the target with the I2C_SLAVE ioctl and moves data with plain read(2)/write(2)
 * on the descriptor: every message is its own START…STOP transfer, and there is no I2C_RDWR, so
 * `repeatedStart` is false. EEPROM drivers therefore do a random read as a dummy write of the word
 * address followed by a separate read; the chip's address pointer survives the STOP, which makes
 * this correct for every AT24 part (docs/hardware.md). i2c-dev caps one read or write at 8192
 * bytes; a NACK (address or data) is EREMOTEIO, whichever errno the adapter driver uses for it.
 */
import { HilError } from '../../abi/errno';
import type { I2cController, I2cMessage } from '../i2c';
import { loadI2cBus, type I2cFuncsInfo, type NativeI2cBus } from '../native';
import { i2cdevError } from './errors';

/** i2c-dev clamps a single read or write to this many bytes. */
export const I2CDEV_MAX_MESSAGE = 8192;

export class I2cDevController implements I2cController {
  readonly name: string;
  readonly maxTransferBytes = I2CDEV_MAX_MESSAGE;
  readonly repeatedStart = false;
  private closed = false;

  private constructor(
    readonly busNumber: number,
    private readonly bus: NativeI2cBus,
    /** The adapter's I2C_FUNCS answer, as i2c-bus decodes it. */
    readonly funcs: I2cFuncsInfo,
  ) {
    this.name = `/dev/i2c-${busNumber}`;
  }

  /** Opens the adapter and checks at once that it can do plain I2C (not only SMBus). */
  static async open(busNumber: number): Promise<I2cDevController> {
    if (!Number.isInteger(busNumber) || busNumber < 0) {
      throw new HilError('EINVAL', `i2c-dev bus number must be a non-negative integer, got ${busNumber}`);
    }
    const path = `/dev/i2c-${busNumber}`;
    const i2c = loadI2cBus();
    const bus = await new Promise<NativeI2cBus>((resolve, reject) => {
      const b = i2c.open(busNumber, {}, (err) => (err ? reject(i2cdevError(err, path, 'open')) : resolve(b)));
    });
    let funcs: I2cFuncsInfo;
    try {
      // i2c-bus opens the device lazily: this is the first open(2), so it also reports ENOENT/EACCES
      funcs = await new Promise<I2cFuncsInfo>((resolve, reject) => {
        bus.i2cFuncs((err, f) => (err ? reject(i2cdevError(err, path, 'read I2C_FUNCS')) : resolve(f)));
      });
    } catch (e) {
      await new Promise<void>((resolve) => bus.close(() => resolve()));
      throw e;
    }
    if (!funcs.i2c) {
      await new Promise<void>((resolve) => bus.close(() => resolve()));
      throw new HilError(
        'ENOTSUP',
        `${path} is an SMBus-only adapter (I2C_FUNCS lacks I2C_FUNC_I2C): EEPROM reads and page writes need plain I2C transfers; use a bus with a real I2C controller (on a Raspberry Pi, i2c-1 via dtparam=i2c_arm=on)`,
      );
    }
    return new I2cDevController(busNumber, bus, funcs);
  }

  async transfer(msgs: readonly I2cMessage[]): Promise<void> {
    if (this.closed) throw new HilError('EBADF', `${this.name} is closed`);
    for (const [i, m] of msgs.entries()) {
      if (!Number.isInteger(m.addr) || m.addr < 0 || m.addr > 0x7f) {
        throw new HilError('EINVAL', `${this.name}: message ${i} address ${m.addr} is not a 7-bit address`);
      }
      if (m.buf.length > this.maxTransferBytes) {
        throw new HilError('EMSGSIZE', `${this.name}: message ${i} of ${m.buf.length} bytes exceeds i2c-dev's limit of ${this.maxTransferBytes}: split it`);
      }
    }
    // Each message is its own START…STOP (no I2C_RDWR in i2c-bus); stop at the first failure.
    for (const m of msgs) await (m.read ? this.read(m) : this.write(m));
  }

  private read(m: I2cMessage): Promise<void> {
    const view = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.length);
    return new Promise((resolve, reject) => {
      this.bus.i2cRead(m.addr, m.buf.length, view, (err, n) => {
        if (err) return reject(i2cdevError(err, this.name, `read of ${m.buf.length} bytes`, m.addr));
        if (n !== m.buf.length) return reject(new HilError('EIO', `${this.name}: short read at 0x${m.addr.toString(16)}: ${n} of ${m.buf.length} bytes`));
        resolve();
      });
    });
  }

  private write(m: I2cMessage): Promise<void> {
    const view = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.length);
    return new Promise((resolve, reject) => {
      this.bus.i2cWrite(m.addr, m.buf.length, view, (err, n) => {
        if (err) return reject(i2cdevError(err, this.name, `write of ${m.buf.length} bytes`, m.addr));
        if (n !== m.buf.length) return reject(new HilError('EIO', `${this.name}: short write at 0x${m.addr.toString(16)}: ${n} of ${m.buf.length} bytes`));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve, reject) => this.bus.close((err) => (err ? reject(i2cdevError(err, this.name, 'close')) : resolve())));
  }
}
