/**
 * The spidev backend: one Linux SPI controller (/dev/spidevB.*) driven through the `spi-device`
 * native package.
 *
 * Each `SpiDevice` is one open /dev/spidevB.C; a transaction is one SPI_IOC_MESSAGE, run on
 * libuv's thread pool (the calling thread never blocks), so chip select is held across its
 * transfers except where a transfer asks for `csChange`.
 *
 * Size limit: a transaction may move at most `maxTransferBytes` (spidev.bufsiz, read from sysfs)
 * and carry at most 511 transfers. Larger transactions are refused with EMSGSIZE, never split
 * here: splitting one transaction into several messages would deselect the chip between the
 * pieces (on the Raspberry Pi chip select always rises at the end of a message), which ends an
 * EEPROM READ or WRITE command mid-stream. Only the driver knows where a command may be cut, so
 * drivers chunk at maxTransferBytes (an AT25 read of N bytes becomes several READ commands, each
 * with its own opcode and address). See docs/hardware.md.
 */
import { HilError } from '../../abi/errno';
import { loadSpiDevice, type NativeSpiDevice, type SpiDeviceMessageTransfer, type SpiDeviceReadOptions } from '../native';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../spi';
import { readSpidevBufsiz, SPIDEV_BUFSIZ_PATH, SPIDEV_MAX_TRANSFERS } from './bufsiz';
import { spidevError } from './errors';

export interface SpidevControllerOptions {
  /** Where to read spidev's bufsiz; tests point it elsewhere. */
  readonly bufsizPath?: string;
}

export class SpidevController implements SpiController {
  readonly name: string;
  /** spidev.bufsiz: most bytes one transaction may move. */
  readonly maxTransferBytes: number;
  private readonly devices = new Set<SpidevDevice>();
  private closed = false;

  constructor(
    readonly busNumber: number,
    opts: SpidevControllerOptions = {},
  ) {
    if (!Number.isInteger(busNumber) || busNumber < 0) {
      throw new HilError('EINVAL', `spidev bus number must be a non-negative integer, got ${busNumber}`);
    }
    this.name = `/dev/spidev${busNumber}`;
    this.maxTransferBytes = readSpidevBufsiz(opts.bufsizPath ?? SPIDEV_BUFSIZ_PATH);
  }

  async openDevice(opts: SpiDeviceOptions): Promise<SpiDevice> {
    if (this.closed) throw new HilError('EBADF', `${this.name} is closed`);
    validateOptions(this.name, opts);
    const spi = loadSpiDevice();
    const path = `/dev/spidev${this.busNumber}.${opts.chipSelect}`;
    const native = await new Promise<NativeSpiDevice>((resolve, reject) => {
      const dev = spi.open(
        this.busNumber,
        opts.chipSelect,
        { mode: opts.mode, bitsPerWord: opts.bitsPerWord ?? 8, maxSpeedHz: opts.maxSpeedHz, lsbFirst: opts.lsbFirst ?? false },
        (err) => (err ? reject(spidevError(err, path, 'open and configure')) : resolve(dev)),
      );
    });
    const device = new SpidevDevice(path, native, opts, this.maxTransferBytes, () => this.devices.delete(device));
    this.devices.add(device);
    return device;
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.devices];
    await Promise.all(open.map((d) => d.close()));
  }
}

function validateOptions(name: string, o: SpiDeviceOptions): void {
  const bad = (what: string): never => {
    throw new HilError('EINVAL', `${name}: ${what}`);
  };
  if (!Number.isInteger(o.chipSelect) || o.chipSelect < 0) bad(`chip select must be a non-negative integer, got ${o.chipSelect}`);
  if (![0, 1, 2, 3].includes(o.mode)) bad(`SPI mode must be 0..3, got ${o.mode}`);
  if (!Number.isInteger(o.maxSpeedHz) || o.maxSpeedHz <= 0 || o.maxSpeedHz > 0xffffffff) bad(`max speed must be a positive integer in Hz, got ${o.maxSpeedHz}`);
  const bits = o.bitsPerWord ?? 8;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) bad(`bits per word must be 1..32, got ${bits}`);
}

export class SpidevDevice implements SpiDevice {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly native: NativeSpiDevice,
    readonly options: SpiDeviceOptions,
    readonly maxTransferBytes: number,
    private readonly onClose: () => void,
  ) {}

  async transfer(xfers: readonly SpiTransfer[]): Promise<void> {
    if (this.closed) throw new HilError('EBADF', `${this.path} is closed`);
    const message = this.toMessage(xfers);
    if (message.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      this.native.transfer(message, (err) => (err ? reject(spidevError(err, this.path, `a ${message.length}-transfer message`, this.maxTransferBytes)) : resolve()));
    });
  }

  /** The settings the kernel holds for this device now (SPI_IOC_RD_*), for diagnostics and tests. */
  async readOptions(): Promise<SpiDeviceReadOptions> {
    if (this.closed) throw new HilError('EBADF', `${this.path} is closed`);
    return new Promise((resolve, reject) => {
      this.native.getOptions((err, o) => (err ? reject(spidevError(err, this.path, 'read options')) : resolve(o)));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await new Promise<void>((resolve, reject) => {
      this.native.close((err) => (err ? reject(spidevError(err, this.path, 'close')) : resolve()));
    });
  }

  private toMessage(xfers: readonly SpiTransfer[]): SpiDeviceMessageTransfer[] {
    if (xfers.length > SPIDEV_MAX_TRANSFERS) {
      throw new HilError('EMSGSIZE', `${this.path}: ${xfers.length} transfers in one transaction; spidev accepts at most ${SPIDEV_MAX_TRANSFERS}: merge adjacent transfers or split the transaction where chip select may rise`);
    }
    let total = 0;
    const message = xfers.map((x, i): SpiDeviceMessageTransfer => {
      if (!Number.isInteger(x.len) || x.len < 0) throw new HilError('EINVAL', `${this.path}: transfer ${i} has length ${x.len}`);
      if (x.tx && x.tx.length < x.len) throw new HilError('EINVAL', `${this.path}: transfer ${i} tx buffer holds ${x.tx.length} bytes, len is ${x.len}`);
      if (x.rx && x.rx.length < x.len) throw new HilError('EINVAL', `${this.path}: transfer ${i} rx buffer holds ${x.rx.length} bytes, len is ${x.len}`);
      const delay = x.delayUs ?? 0;
      if (!Number.isInteger(delay) || delay < 0 || delay > 0xffff) throw new HilError('EINVAL', `${this.path}: transfer ${i} delay must be 0..65535 µs, got ${delay}`);
      const speed = x.speedHz ?? 0;
      if (!Number.isInteger(speed) || speed < 0 || speed > 0xffffffff) throw new HilError('EINVAL', `${this.path}: transfer ${i} speed must be a non-negative integer in Hz, got ${speed}`);
      total += x.len;
      const t: SpiDeviceMessageTransfer = { byteLength: x.len, speedHz: speed, microSecondDelay: delay, chipSelectChange: x.csChange ?? false };
      if (x.bitsPerWord !== undefined) t.bitsPerWord = x.bitsPerWord;
      // No copies: the addon hands these views straight to the kernel.
      if (x.tx) t.sendBuffer = Buffer.from(x.tx.buffer, x.tx.byteOffset, x.len);
      if (x.rx) t.receiveBuffer = Buffer.from(x.rx.buffer, x.rx.byteOffset, x.len);
      if (!x.tx && !x.rx) t.sendBuffer = Buffer.alloc(x.len); // clock out zeros, discard MISO
      return t;
    });
    if (total > this.maxTransferBytes) {
      throw new HilError(
        'EMSGSIZE',
        `${this.path}: transaction of ${total} bytes exceeds spidev's buffer of ${this.maxTransferBytes} bytes (spidev.bufsiz). It is not split here because chip select would rise between the pieces, which ends an EEPROM command; the driver must chunk at maxTransferBytes, or raise the limit with spidev.bufsiz=65536 in /boot/firmware/cmdline.txt and reboot`,
      );
    }
    return message;
  }
}
