/**
 * The serprog backend: an SPI controller behind a flashrom-compatible serial programmer (Pico,
 * Arduino, STM32 firmware) on a serial port.
 *
 * Opening syncs and interrogates the programmer: interface version 1, the command map (O_SPIOP
 * required), name, serial buffer, bus types (SPI required), the write/read length limits that
 * become maxTransferBytes; it then selects the SPI bus and enables the pin drivers. Transactions
 * become O_SPIOPs (see protocol.ts for what half duplex allows); the clock is set with S_SPI_FREQ
 * when a device or transfer asks for a different one, and chip select with S_SPI_CS where the
 * programmer has several. One operation is on the wire at a time for all devices of the port.
 */
import { HilError } from '../../abi/errno';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../spi';
import type { ByteChannel } from './channel';
import { SerprogClient, SerprogNak } from './client';
import { BUS_SPI, CMD, cmdmapHas, decodeMaxLen, decodeName, encodeSpiOp, le, MAX_24BIT_LEN, planSpiOps, SERPROG_IFACE_VERSION, u16le, u32le } from './protocol';
import { SerialChannel } from './serial-channel';

export interface SerprogOptions {
  /** Serial port, e.g. /dev/ttyACM0 (devicetree `port`, CLI `--port`). */
  readonly port: string;
  /** Devicetree `baud-rate`; USB CDC programmers ignore it, UART bridges need the right one. */
  readonly baudRate?: number;
  /** Answer timeout in ms beyond wire time (default 1000). */
  readonly timeoutMs?: number;
}

export interface SerprogInfo {
  readonly name: string;
  readonly serialBuffer: number | undefined;
  readonly maxWrite: number;
  readonly maxRead: number;
  readonly commands: Uint8Array;
}

export class SerprogController implements SpiController {
  readonly name: string;
  readonly maxTransferBytes: number;
  private chain: Promise<unknown> = Promise.resolve();
  private freqHz: number | undefined;
  private cs: number | undefined;
  private closed = false;

  private constructor(
    private readonly client: SerprogClient,
    readonly info: SerprogInfo,
  ) {
    this.name = `serprog:${client.channel.name}`;
    this.maxTransferBytes = Math.min(info.maxWrite, info.maxRead);
  }

  /** Opens the serial port and initialises the programmer. */
  static async open(opts: SerprogOptions): Promise<SerprogController> {
    const baudRate = opts.baudRate ?? 115200;
    const channel = await SerialChannel.open({ port: opts.port, baudRate });
    try {
      return await SerprogController.overChannel(channel, { baudRate, timeoutMs: opts.timeoutMs });
    } catch (e) {
      await channel.close();
      throw e;
    }
  }

  /** Initialises a programmer reachable over any byte channel (tests use in-memory pipes). */
  static async overChannel(channel: ByteChannel, opts: { baudRate?: number | undefined; timeoutMs?: number | undefined } = {}): Promise<SerprogController> {
    const client = new SerprogClient(channel, { baudRate: opts.baudRate ?? 115200, timeoutMs: opts.timeoutMs ?? 1000 });
    await client.sync();
    const iface = u16le(await client.command(CMD.Q_IFACE, [], 2));
    if (iface !== SERPROG_IFACE_VERSION) {
      throw new HilError('ENOTSUP', `serprog programmer on ${channel.name} speaks interface version ${iface}; hilbridge speaks version ${SERPROG_IFACE_VERSION}: update the firmware`);
    }
    const map = await client.command(CMD.Q_CMDMAP, [], 32);
    const has = (c: number): boolean => cmdmapHas(map, c);
    if (!has(CMD.O_SPIOP)) {
      throw new HilError('ENOTSUP', `serprog programmer on ${channel.name} has no O_SPIOP (it is a parallel/LPC programmer): use firmware with SPI support`);
    }
    const name = has(CMD.Q_PGMNAME) ? decodeName(await client.command(CMD.Q_PGMNAME, [], 16)) : 'serprog';
    const serialBuffer = has(CMD.Q_SERBUF) ? u16le(await client.command(CMD.Q_SERBUF, [], 2)) : undefined;
    if (has(CMD.Q_BUSTYPE)) {
      const buses = (await client.command(CMD.Q_BUSTYPE, [], 1))[0]!;
      if (!(buses & BUS_SPI)) throw new HilError('ENOTSUP', `serprog programmer "${name}" on ${channel.name} does not support SPI (bus types 0x${buses.toString(16)})`);
    }
    // Without Q_WRNMAXLEN the whole O_SPIOP frame (7 header bytes + data) must fit the serial buffer.
    const maxWrite = has(CMD.Q_WRNMAXLEN)
      ? decodeMaxLen(await client.command(CMD.Q_WRNMAXLEN, [], 3))
      : serialBuffer !== undefined ? Math.max(1, serialBuffer - 7) : MAX_24BIT_LEN - 1;
    const maxRead = has(CMD.Q_RDNMAXLEN) ? decodeMaxLen(await client.command(CMD.Q_RDNMAXLEN, [], 3)) : MAX_24BIT_LEN;
    if (has(CMD.S_BUSTYPE)) await client.command(CMD.S_BUSTYPE, [BUS_SPI]);
    if (has(CMD.S_PIN_STATE)) await client.command(CMD.S_PIN_STATE, [1]);
    return new SerprogController(client, { name, serialBuffer, maxWrite: Math.min(maxWrite, MAX_24BIT_LEN - 1), maxRead: Math.min(maxRead, MAX_24BIT_LEN - 1), commands: map });
  }

  supports(cmd: number): boolean {
    return cmdmapHas(this.info.commands, cmd);
  }

  async openDevice(opts: SpiDeviceOptions): Promise<SpiDevice> {
    if (this.closed) throw new HilError('EBADF', `${this.name} is closed`);
    if (opts.mode === 1 || opts.mode === 2) {
      throw new HilError('ENOTSUP', `${this.name}: serprog programmers clock SPI mode 0 only; mode ${opts.mode} devices cannot be driven (mode 3 parts, which sample on the same edge, work)`);
    }
    if (opts.mode !== 0 && opts.mode !== 3) throw new HilError('EINVAL', `${this.name}: SPI mode must be 0..3, got ${String(opts.mode)}`);
    if (opts.lsbFirst) throw new HilError('ENOTSUP', `${this.name}: serprog sends MSB first only`);
    if ((opts.bitsPerWord ?? 8) !== 8) throw new HilError('ENOTSUP', `${this.name}: serprog moves 8-bit words only`);
    if (!Number.isInteger(opts.maxSpeedHz) || opts.maxSpeedHz <= 0) throw new HilError('EINVAL', `${this.name}: max speed must be a positive integer in Hz`);
    if (opts.chipSelect !== 0 && !this.supports(CMD.S_SPI_CS)) {
      throw new HilError('ENODEV', `${this.name}: programmer "${this.info.name}" has one chip select (no S_SPI_CS); chip select ${opts.chipSelect} does not exist`);
    }
    return new SerprogDevice(this, opts);
  }

  /** Runs one transaction; callers are queued so only one operation is on the wire. */
  run(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): Promise<void> {
    const next = this.chain.then(() => this.runNow(opts, xfers));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runNow(opts: SpiDeviceOptions, xfers: readonly SpiTransfer[]): Promise<void> {
    if (this.closed) throw new HilError('EBADF', `${this.name} is closed`);
    const plans = planSpiOps(xfers, { maxWrite: this.info.maxWrite, maxRead: this.info.maxRead });
    if (this.supports(CMD.S_SPI_CS) && this.cs !== opts.chipSelect) {
      await this.client.command(CMD.S_SPI_CS, [opts.chipSelect]);
      this.cs = opts.chipSelect;
    }
    for (const p of plans) {
      await this.setFrequency(Math.min(p.speedHz ?? opts.maxSpeedHz, opts.maxSpeedHz));
      const frame = encodeSpiOp(p.write, p.readLen);
      let data: Uint8Array;
      try {
        data = await this.client.command(frame[0]!, frame.subarray(1), p.readLen);
      } catch (e) {
        if (e instanceof SerprogNak) {
          throw new HilError('EIO', `${this.name}: programmer refused O_SPIOP (NAK) for ${p.write.length} bytes out, ${p.readLen} in: lengths beyond its limits or a firmware error`);
        }
        throw e;
      }
      let off = 0;
      for (const r of p.reads) {
        const rx = xfers[r.xfer]!.rx;
        if (rx) rx.set(data.subarray(off, off + r.len));
        off += r.len;
      }
      if (p.delayAfterUs > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(p.delayAfterUs / 1000)));
    }
  }

  private async setFrequency(hz: number): Promise<void> {
    if (this.freqHz === hz || !this.supports(CMD.S_SPI_FREQ)) return;
    const actual = u32le(await this.client.command(CMD.S_SPI_FREQ, le(hz, 4), 4));
    this.freqHz = hz;
    this.actualHz = actual;
  }

  /** The clock the programmer chose for the last S_SPI_FREQ (at most the one asked for). */
  actualHz: number | undefined;

  async close(): Promise<void> {
    if (this.closed) return;
    await this.chain;
    this.closed = true;
    try {
      if (this.supports(CMD.S_PIN_STATE)) await this.client.command(CMD.S_PIN_STATE, [0]); // release the pins
    } catch {
      /* the programmer may already be gone; closing must still release the port */
    }
    await this.client.channel.close();
  }
}

class SerprogDevice implements SpiDevice {
  readonly maxTransferBytes: number;
  private closed = false;
  constructor(
    private readonly ctl: SerprogController,
    private readonly opts: SpiDeviceOptions,
  ) {
    this.maxTransferBytes = ctl.maxTransferBytes;
  }
  async transfer(xfers: readonly SpiTransfer[]): Promise<void> {
    if (this.closed) throw new HilError('EBADF', `${this.ctl.name} chip select ${this.opts.chipSelect} is closed`);
    await this.ctl.run(this.opts, xfers);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
