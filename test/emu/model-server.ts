/**
 * The device-model server behind the hilemu LD_PRELOAD shim (test/emu/hilemu.c).
 *
 * It listens on a Unix socket; the shim sends it each spidev message and each i2c-dev transfer
 * as it reached the "kernel", and the server clocks the bytes through the project's device models
 * (SpiSlaveModel, I2cSlaveModel) and answers with MISO bytes, read data or an errno. The shim also
 * reports every change of an emulated GPIO line's physical level; a line can be wired to a model
 * pin (an AT25's WP or HOLD) with `wireLine`/`wirePin`, so the model sees the level before the next
 * transaction. `log` records transactions and line changes in one list, in the order they happened,
 * so tests can check what the real native bindings put on the "wire" (mode, per-transfer speed,
 * chip-select changes, repeated STARTs) and when control lines moved relative to it. Runs inside
 * the test process.
 *
 * Wire format (little-endian), each frame a u32 length then the payload:
 *   SPI request  u8 1, u16 pathLen, path, u32 mode, u32 n,
 *                n × (u32 len, u32 speedHz, u16 delayUs, u8 csChange, u8 bits, u8 hasTx, u8 hasRx),
 *                then the concatenated MOSI bytes
 *   I2C request  u8 2, u16 pathLen, path, u32 n, n × (u16 addr, u16 flags, u32 len),
 *                then the concatenated bytes of the write messages
 *   GPIO event   u8 3, u16 pathLen, chip path, u32 line offset, u8 new physical level
 *   response     i32 status (0 or -errno), then MISO bytes (SPI) or read-message bytes (I2C);
 *                nothing after the status for a GPIO event
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/hal/clock';
import type { I2cSlaveModel } from '../../src/hal/mock/i2c-slave';
import type { SpiSlaveModel } from '../../src/hal/mock/spi-slave';

const OP_SPI = 1;
const OP_I2C = 2;
const OP_GPIO = 3;
const I2C_M_RD = 0x0001;
const EREMOTEIO = 121;
const EIO = 5;
/** Bus clock used to advance the models' clock: standard mode. */
const I2C_HZ = 100_000;

export interface SpiWireTransfer {
  readonly len: number;
  readonly speedHz: number;
  readonly delayUs: number;
  readonly csChange: boolean;
  readonly bitsPerWord: number;
  readonly hasTx: boolean;
  readonly hasRx: boolean;
  readonly mosi: Uint8Array;
  readonly miso: Uint8Array;
}

export interface SpiWireRecord {
  readonly kind: 'spi';
  readonly path: string;
  /** SPI mode bits as set through SPI_IOC_WR_MODE(32): CPHA 0x1, CPOL 0x2, CS_HIGH 0x4, LSB_FIRST 0x8. */
  readonly mode: number;
  readonly xfers: readonly SpiWireTransfer[];
}

export interface I2cWireRecord {
  readonly kind: 'i2c';
  readonly path: string;
  /** One message list per combined transfer; messages after the first follow a repeated START. */
  readonly msgs: readonly { readonly addr: number; readonly read: boolean; readonly data: Uint8Array }[];
  /** 0 or the negative errno returned to the caller. */
  readonly status: number;
}

export interface GpioWireRecord {
  readonly kind: 'gpio';
  /** The chip's device node, e.g. /dev/gpiochip0. */
  readonly path: string;
  readonly line: number;
  /** The new physical level (the shim reports changes only). */
  readonly level: 0 | 1;
}

export type WireRecord = SpiWireRecord | I2cWireRecord | GpioWireRecord;

/** A model with named control pins, e.g. At25Model ('wp' | 'hold'). */
export interface PinnedModel<P extends string> {
  setPin(pin: P, level: 0 | 1): void;
}

/** Emulated GPIO lines idle as pulled-up inputs, as the shim has them. */
const GPIO_IDLE_LEVEL = 1;

export interface ModelServerOptions {
  readonly clock: Clock;
  readonly spi?: Readonly<Record<string, SpiSlaveModel>>;
  readonly i2c?: Readonly<Record<string, readonly I2cSlaveModel[]>>;
}

export class ModelServer {
  readonly log: WireRecord[] = [];
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Chips by /dev path; tests may swap them between transactions (a fresh chip per test). */
  readonly spi: Record<string, SpiSlaveModel>;
  readonly i2c: Record<string, readonly I2cSlaveModel[]>;
  private readonly lineLevels = new Map<string, 0 | 1>();
  private readonly lineSinks = new Map<string, ((level: 0 | 1) => void)[]>();

  private constructor(private readonly opts: ModelServerOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'hilemu-'));
    this.socketPath = join(this.dir, 'models.sock');
    this.server = createServer((s) => this.serve(s));
    this.spi = { ...opts.spi };
    this.i2c = { ...opts.i2c };
  }

  static async start(opts: ModelServerOptions): Promise<ModelServer> {
    const m = new ModelServer(opts);
    await new Promise<void>((resolve, reject) => {
      m.server.once('error', reject);
      m.server.listen(m.socketPath, () => resolve());
    });
    return m;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The physical level of an emulated GPIO line as last reported (lines idle high). */
  lineLevel(path: string, line: number): 0 | 1 {
    return this.lineLevels.get(`${path}:${line}`) ?? GPIO_IDLE_LEVEL;
  }

  /**
   * Wires GPIO line `line` of chip `path` to `sink`, which gets the line's current level now and
   * every change after, before the shim's ioctl returns (so before any later transaction).
   */
  wireLine(path: string, line: number, sink: (level: 0 | 1) => void): void {
    const key = `${path}:${line}`;
    this.lineSinks.set(key, [...(this.lineSinks.get(key) ?? []), sink]);
    sink(this.lineLevel(path, line));
  }

  /** Wires a GPIO line to a model's pin, e.g. wirePin('/dev/gpiochip0', 25, at25, 'wp'). */
  wirePin<P extends string>(path: string, line: number, model: PinnedModel<P>, pin: P): void {
    this.wireLine(path, line, (level) => model.setPin(pin, level));
  }

  /** The log's GPIO records, optionally for one chip. */
  lineChanges(path?: string): GpioWireRecord[] {
    return this.log.filter((r): r is GpioWireRecord => r.kind === 'gpio' && (path === undefined || r.path === path));
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const len = pending.readUInt32LE(0);
        if (pending.length < 4 + len) break;
        const frame = pending.subarray(4, 4 + len);
        pending = pending.subarray(4 + len);
        const reply = this.handle(frame);
        const head = Buffer.alloc(8);
        head.writeUInt32LE(4 + reply.data.length, 0);
        head.writeInt32LE(reply.status, 4);
        sock.write(Buffer.concat([head, reply.data]));
      }
    });
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
  }

  private handle(frame: Buffer): { status: number; data: Uint8Array } {
    let off = 0;
    const u8 = (): number => frame.readUInt8((off += 1) - 1);
    const u16 = (): number => frame.readUInt16LE((off += 2) - 2);
    const u32 = (): number => frame.readUInt32LE((off += 4) - 4);
    const op = u8();
    const pathLen = u16();
    const path = frame.toString('utf8', off, (off += pathLen));
    if (op === OP_SPI) {
      const mode = u32();
      const n = u32();
      const heads = Array.from({ length: n }, () => ({
        len: u32(),
        speedHz: u32(),
        delayUs: u16(),
        csChange: u8() !== 0,
        bitsPerWord: u8(),
        hasTx: u8() !== 0,
        hasRx: u8() !== 0,
      }));
      return this.runSpi(path, mode, heads, frame.subarray(off));
    }
    if (op === OP_I2C) {
      const n = u32();
      const heads = Array.from({ length: n }, () => ({ addr: u16(), read: (u16() & I2C_M_RD) !== 0, len: u32() }));
      return this.runI2c(path, heads, frame.subarray(off));
    }
    if (op === OP_GPIO) {
      const line = u32();
      const level = u8() === 0 ? 0 : 1;
      return this.runGpio(path, line, level);
    }
    return { status: -EIO, data: new Uint8Array(0) };
  }

  private runGpio(path: string, line: number, level: 0 | 1): { status: number; data: Uint8Array } {
    const key = `${path}:${line}`;
    this.lineLevels.set(key, level);
    this.log.push({ kind: 'gpio', path, line, level });
    for (const sink of this.lineSinks.get(key) ?? []) sink(level);
    return { status: 0, data: new Uint8Array(0) };
  }

  private runSpi(
    path: string,
    mode: number,
    heads: { len: number; speedHz: number; delayUs: number; csChange: boolean; bitsPerWord: number; hasTx: boolean; hasRx: boolean }[],
    mosiAll: Buffer,
  ): { status: number; data: Uint8Array } {
    const model = this.spi[path];
    const misoAll = new Uint8Array(mosiAll.length);
    const xfers: SpiWireTransfer[] = [];
    let off = 0;
    model?.select();
    heads.forEach((h, i) => {
      const mosi = Uint8Array.from(mosiAll.subarray(off, off + h.len));
      for (let b = 0; b < h.len; b++) misoAll[off + b] = model ? model.exchange(mosi[b]!) & 0xff : 0xff;
      this.opts.clock.advanceUs((h.len * 8 * 1e6) / Math.max(1, h.speedHz) + h.delayUs);
      xfers.push({ ...h, mosi, miso: misoAll.slice(off, off + h.len) });
      off += h.len;
      if (h.csChange && i < heads.length - 1) {
        model?.deselect();
        model?.select();
      }
    });
    model?.deselect(); // as on the Raspberry Pi: chip select rises at the end of every message
    this.log.push({ kind: 'spi', path, mode, xfers });
    return { status: 0, data: misoAll };
  }

  private runI2c(path: string, heads: { addr: number; read: boolean; len: number }[], writeAll: Buffer): { status: number; data: Uint8Array } {
    const models = this.i2c[path] ?? [];
    const touched = new Set<I2cSlaveModel>();
    const msgs: { addr: number; read: boolean; data: Uint8Array }[] = [];
    const readOut: number[] = [];
    let woff = 0;
    let status = 0;
    for (const h of heads) {
      const model = models.find((m) => m.addresses.includes(h.addr));
      const data = h.read ? new Uint8Array(h.len) : Uint8Array.from(writeAll.subarray(woff, woff + h.len));
      if (!h.read) woff += h.len;
      msgs.push({ addr: h.addr, read: h.read, data });
      if (status !== 0) continue;
      this.opts.clock.advanceUs((9 * 1e6) / I2C_HZ); // the address byte is clocked, ACKed or not
      if (!model || !model.start(h.addr, h.read)) {
        status = -EREMOTEIO; // address NACK: i2c-bcm2835 reports EREMOTEIO
        continue;
      }
      touched.add(model);
      this.opts.clock.advanceUs((h.len * 9 * 1e6) / I2C_HZ);
      for (let b = 0; b < h.len && status === 0; b++) {
        if (h.read) data[b] = model.read() & 0xff;
        else if (!model.write(data[b]!)) status = -EREMOTEIO; // data NACK
      }
      if (h.read) readOut.push(...data);
    }
    for (const m of touched) m.stop();
    this.log.push({ kind: 'i2c', path, msgs, status });
    return { status, data: status === 0 ? Uint8Array.from(readOut) : new Uint8Array(0) };
  }
}
