/**
 * The spidev backend: one Linux SPI controller (/dev/spidevB.*) driven through the `spi-device`
 * native package.
 *
 * Each `SpiDevice` is one open /dev/spidevB.C; a transaction is one SPI_IOC_MESSAGE, run on
 * libuv's thread pool (the calling thread never blocks), so chip select is held across its
 * transfers except where a transfer asks for `csChange`.
 *
 * Size limit: a transaction may move at most `maxTransferBytes` (spidev.bufsiz, read from sysfs,
 * less an alignment reserve) and carry at most 511 transfers. Larger transactions are refused with EMSGSIZE, never split
 * here: splitting one transaction into several messages would deselect the chip between the
 * pieces (on the Raspberry Pi chip select always rises at the end of a message), which ends an
 * EEPROM READ or WRITE command mid-stream. Only the driver knows where a command may be cut, so
 * drivers chunk at maxTransferBytes (an AT25 read of N bytes becomes several READ commands, each
 * with its own opcode and address). See docs/hardware.md.
 */
import { HilError } from '../../abi/errno';
import { loadSpiDevice, type NativeSpiDevice, type SpiDeviceMessageTransfer, type SpiDeviceReadOptions } from '../native';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../spi';
import { readSpidevBufsiz, SPIDEV_ALIGN_RESERVE, SPIDEV_BUFSIZ_PATH, SPIDEV_MAX_TRANSFERS } from './bufsiz';
import { spidevError } from './errors';

export interface SpidevControllerOptions {
  /** Where to read spidev's bufsiz; tests point it elsewhere. */
  readonly bufsizPath?: string;
}

export class SpidevController implements SpiController {
  readonly name: string;
  /** spidev.bufsiz as the running kernel has it. */
  readonly bufsiz: number;
  /** Most bytes one transaction may move: bufsiz less the alignment reserve (see bufsiz.ts). */
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
    this.bufsiz = readSpidevBufsiz(opts.bufsizPath ?? SPIDEV_BUFSIZ_PATH);
    this.maxTransferBytes = Math.max(64, this.bufsiz - SPIDEV_ALIGN_RESERVE);
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
    const { message, scatter } = this.toMessage(xfers);
    if (message.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      this.native.transfer(message, (err) => (err ? reject(spidevError(err, this.path, `a ${message.length}-transfer message`, this.maxTransferBytes)) : resolve()));
    });
    scatter();
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

  /**
   * Validates the transaction and builds spi-device's message. Adjacent transfers that the wire
   * cannot tell apart from one (chip select held, no delay, same clock and word size) are merged:
   * spidev rounds every transfer up to the kernel's allocation alignment (up to 128 bytes) when it
   * checks bufsiz, so a READ split as [status][opcode+address][data] could be refused although its
   * bytes fit. A merged transfer with a NULL-tx part shifts zeros there, as the controller would.
   */
  private toMessage(xfers: readonly SpiTransfer[]): { message: SpiDeviceMessageTransfer[]; scatter: () => void } {
    if (xfers.length > SPIDEV_MAX_TRANSFERS) {
      throw new HilError('EMSGSIZE', `${this.path}: ${xfers.length} transfers in one transaction; spidev accepts at most ${SPIDEV_MAX_TRANSFERS}: merge adjacent transfers or split the transaction where chip select may rise`);
    }
    let total = 0;
    xfers.forEach((x, i) => {
      if (!Number.isInteger(x.len) || x.len < 0) throw new HilError('EINVAL', `${this.path}: transfer ${i} has length ${x.len}`);
      if (x.tx && x.tx.length < x.len) throw new HilError('EINVAL', `${this.path}: transfer ${i} tx buffer holds ${x.tx.length} bytes, len is ${x.len}`);
      if (x.rx && x.rx.length < x.len) throw new HilError('EINVAL', `${this.path}: transfer ${i} rx buffer holds ${x.rx.length} bytes, len is ${x.len}`);
      const delay = x.delayUs ?? 0;
      if (!Number.isInteger(delay) || delay < 0 || delay > 0xffff) throw new HilError('EINVAL', `${this.path}: transfer ${i} delay must be 0..65535 µs, got ${delay}`);
      const speed = x.speedHz ?? 0;
      if (!Number.isInteger(speed) || speed < 0 || speed > 0xffffffff) throw new HilError('EINVAL', `${this.path}: transfer ${i} speed must be a non-negative integer in Hz, got ${speed}`);
      total += x.len;
    });
    if (total > this.maxTransferBytes) {
      throw new HilError(
        'EMSGSIZE',
        `${this.path}: transaction of ${total} bytes exceeds the ${this.maxTransferBytes} bytes spidev accepts in one message (spidev.bufsiz less the kernel's per-transfer alignment). It is not split here because chip select would rise between the pieces, which ends an EEPROM command; the driver must chunk at maxTransferBytes, or raise the limit with spidev.bufsiz=65536 in /boot/firmware/cmdline.txt and reboot`,
      );
    }
    // group mergeable neighbours
    const groups: SpiTransfer[][] = [];
    for (const x of xfers) {
      const g = groups[groups.length - 1];
      const prev = g?.[g.length - 1];
      const mergeable =
        prev !== undefined && !prev.csChange && !(prev.delayUs ?? 0) && (prev.speedHz ?? 0) === (x.speedHz ?? 0) && (prev.bitsPerWord ?? 0) === (x.bitsPerWord ?? 0);
      if (g && mergeable) g.push(x);
      else groups.push([x]);
    }
    const copies: (() => void)[] = [];
    const message = groups.map((g): SpiDeviceMessageTransfer => {
      const last = g[g.length - 1]!;
      const len = g.reduce((n, x) => n + x.len, 0);
      const t: SpiDeviceMessageTransfer = { byteLength: len, speedHz: last.speedHz ?? 0, microSecondDelay: last.delayUs ?? 0, chipSelectChange: last.csChange ?? false };
      if (last.bitsPerWord !== undefined) t.bitsPerWord = last.bitsPerWord;
      if (g.length === 1) {
        // No copies: the addon hands these views straight to the kernel.
        if (last.tx) t.sendBuffer = Buffer.from(last.tx.buffer, last.tx.byteOffset, len);
        if (last.rx) t.receiveBuffer = Buffer.from(last.rx.buffer, last.rx.byteOffset, len);
      } else {
        if (g.some((x) => x.tx)) {
          const tx = Buffer.alloc(len);
          let off = 0;
          for (const x of g) {
            if (x.tx) tx.set(x.tx.subarray(0, x.len), off);
            off += x.len;
          }
          t.sendBuffer = tx;
        }
        if (g.some((x) => x.rx)) {
          const rx = Buffer.alloc(len);
          t.receiveBuffer = rx;
          copies.push(() => {
            let off = 0;
            for (const x of g) {
              if (x.rx) x.rx.set(rx.subarray(off, off + x.len));
              off += x.len;
            }
          });
        }
      }
      if (!t.sendBuffer && !t.receiveBuffer) t.sendBuffer = Buffer.alloc(len); // clock out zeros, discard MISO
      return t;
    });
    return { message, scatter: () => copies.forEach((c) => c()) };
  }
}
