/**
 * Runs the real spidev / i2c-dev / GPIO chip backends in a child process under the hilemu
 * LD_PRELOAD shim and gives the test process ordinary SpiController / I2cController /
 * GpioController objects that forward to them.
 *
 * `buildShim()` compiles test/emu/hilemu.c with the system C compiler (cached by source hash in
 * the temp directory). `EmuHost.start()` forks backend-host.ts with LD_PRELOAD and the shim's
 * environment; only that child is preloaded, never the Jest run. The Remote* classes implement the
 * HAL interfaces, so any suite written against SpiController / I2cController (the conformance
 * suite, the EEPROM drivers) runs unchanged over spi-device and i2c-bus.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../../src/abi/errno';
import type { GpioController, GpioLine, GpioLineConfig, GpioLineHandle, GpioLineRequest } from '../../src/hal/gpio';
import type { GpioChipEntry, LineInfo } from '../../src/hal/gpiochip';
import type { I2cController, I2cMessage } from '../../src/hal/i2c';
import type { SpiController, SpiDevice, SpiDeviceOptions, SpiTransfer } from '../../src/hal/spi';
import type { HostReply, HostRequest } from './host-protocol';

const SHIM_SOURCE = join(__dirname, 'hilemu.c');

/** Compiles the shim once per source version; safe when several Jest workers race. */
export function buildShim(): string {
  const src = readFileSync(SHIM_SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'hilbridge-emu');
  const out = join(dir, `hilemu-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, SHIM_SOURCE, '-ldl', '-lpthread'], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}

/** An emulated GPIO chip: its node, label and number of lines. */
export interface EmuGpioChip {
  readonly path: string;
  readonly label: string;
  readonly lines: number;
}

/** The shim's environment for a set of emulated devices (see the variables in hilemu.c). */
export interface EmuEnv {
  readonly socketPath: string;
  readonly spidev?: readonly string[];
  readonly i2c?: readonly string[];
  readonly gpiochips?: readonly EmuGpioChip[];
  /** Lines held by "another process": requesting them is EBUSY. */
  readonly gpioBusy?: readonly { readonly path: string; readonly line: number; readonly consumer?: string }[];
  readonly deny?: readonly string[];
  /** Path prefixes never handed to the host (default: /dev/spidev, /dev/i2c-, /dev/gpiochip). */
  readonly reserved?: readonly string[];
  readonly bufsiz?: number;
  readonly kmallocAlign?: number;
  readonly spiModeBits?: number;
  readonly i2cFuncs?: number;
  readonly i2cBusy?: readonly number[];
}

/** The shim's variables for `env`, to give any child process (LD_PRELOAD included). */
export function emuProcessEnv(env: EmuEnv): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    LD_PRELOAD: buildShim(),
    HILBRIDGE_EMU_SOCKET: env.socketPath,
    HILBRIDGE_EMU_SPIDEV: (env.spidev ?? []).join(','),
    HILBRIDGE_EMU_I2C: (env.i2c ?? []).join(','),
    HILBRIDGE_EMU_GPIOCHIP: (env.gpiochips ?? []).map((c) => `${c.path}:${c.label}:${c.lines}`).join(','),
    HILBRIDGE_EMU_GPIO_BUSY: (env.gpioBusy ?? []).map((b) => `${b.path}:${b.line}${b.consumer ? `=${b.consumer}` : ''}`).join(','),
    HILBRIDGE_EMU_DENY: (env.deny ?? []).join(','),
  };
  if (env.reserved) e.HILBRIDGE_EMU_RESERVED = env.reserved.join(',');
  if (env.bufsiz !== undefined) e.HILBRIDGE_EMU_BUFSIZ = String(env.bufsiz);
  if (env.kmallocAlign !== undefined) e.HILBRIDGE_EMU_KMALLOC_ALIGN = String(env.kmallocAlign);
  if (env.spiModeBits !== undefined) e.HILBRIDGE_EMU_SPI_MODE_BITS = String(env.spiModeBits);
  if (env.i2cFuncs !== undefined) e.HILBRIDGE_EMU_I2C_FUNCS = String(env.i2cFuncs);
  if (env.i2cBusy) e.HILBRIDGE_EMU_I2C_BUSY = env.i2cBusy.map((a) => `0x${a.toString(16).padStart(2, '0')}`).join(',');
  return e;
}

type Req = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class EmuHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: HostReply) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (r: HostReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      p.resolve(r);
    });
    child.on('exit', (code, signal) => {
      this.exited = new HilError('EIO', `backend host exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  static async start(env: EmuEnv): Promise<EmuHost> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...emuProcessEnv(env) };
    if (!env.reserved) delete childEnv.HILBRIDGE_EMU_RESERVED; // the shim's default, not the caller's
    const child = fork(join(__dirname, 'backend-host.ts'), [], {
      env: childEnv,
      execArgv: ['-r', join(__dirname, 'register-swc.js')],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      const onMsg = (r: HostReply): void => {
        if (r.id === 0) {
          child.off('message', onMsg);
          resolve();
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => reject(new Error(`backend host failed to start (exit ${code})`)));
    });
    return new EmuHost(child);
  }

  async call(req: Req): Promise<HostReply> {
    if (this.exited) throw this.exited;
    const id = this.nextId++;
    const reply = await new Promise<HostReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...req, id } as HostRequest);
    });
    if (!reply.ok) throw HilError.fromJSON(reply.error ?? { code: 'EIO', message: 'unknown host error' });
    return reply;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await gone;
  }

  async spidev(bus: number, bufsizPath?: string): Promise<RemoteSpiController> {
    const r = await this.call({ op: 'spi.controller', bus, bufsizPath });
    return new RemoteSpiController(this, r.handle!, r.name!, r.maxTransferBytes!);
  }

  async i2cdev(bus: number): Promise<RemoteI2cController> {
    const r = await this.call({ op: 'i2c.controller', bus });
    return new RemoteI2cController(this, r.handle!, r.name!, r.maxTransferBytes!, r.repeatedStart!);
  }

  /** openGpioChip() in the child: `chip` is a label, several labels, or a /dev/gpiochipN path. */
  async gpiochip(chip: string | readonly string[], opts: { devDir?: string; consumer?: string } = {}): Promise<RemoteGpioController> {
    const r = await this.call({ op: 'gpio.open', chip, devDir: opts.devDir, consumer: opts.consumer });
    return new RemoteGpioController(this, r.handle!, r.chip!);
  }

  async listGpioChips(devDir?: string): Promise<GpioChipEntry[]> {
    return (await this.call({ op: 'gpio.list', devDir })).chips!;
  }

  /** Node's fs.openSync in the child: undefined when it opened, else the error code. */
  async tryOpen(path: string): Promise<string | undefined> {
    return (await this.call({ op: 'fs.open', path })).code;
  }

  /** open(2) through the GPIO backend's binding (koffi): the descriptor, or the error code. */
  async sysOpen(path: string): Promise<number | string> {
    const r = await this.call({ op: 'sys.open', path });
    return r.code ?? r.fd!;
  }

  /** ioctl(2) through the binding: the argument as the call left it, and the error code if it failed. */
  async sysIoctl(fd: number, request: number, arg: Uint8Array): Promise<{ arg: Uint8Array; code: string | undefined }> {
    const r = await this.call({ op: 'sys.ioctl', fd, request, arg });
    return { arg: r.arg!, code: r.code };
  }

  /** close(2) through the binding (the shim sees it). */
  async sysClose(fd: number): Promise<void> {
    await this.call({ op: 'sys.close', fd });
  }

  /** fs.closeSync in the child: libuv's raw close system call, which the shim never sees. */
  async nodeClose(fd: number): Promise<void> {
    await this.call({ op: 'fs.close', fd });
  }

  async readdir(dir: string): Promise<string[]> {
    return (await this.call({ op: 'fs.readdir', dir })).names!;
  }

  /** See backend-host.ts: i2c-bus closes /dev/i2c-N, then a file reuses the descriptor and is written. */
  async i2cFdReuse(bus: number, addr: number, file: string, data: Uint8Array): Promise<NonNullable<HostReply['fds']>> {
    return (await this.call({ op: 'fs.i2cFdReuse', bus, addr, file, data })).fds!;
  }
}

export class RemoteGpioController implements GpioController {
  readonly name: string;
  readonly lineCount: number;
  readonly path: string;
  readonly label: string;
  readonly chipName: string;

  constructor(
    private readonly host: EmuHost,
    private readonly handle: number,
    chip: NonNullable<HostReply['chip']>,
  ) {
    this.name = chip.name;
    this.lineCount = chip.lineCount;
    this.path = chip.path;
    this.label = chip.label;
    this.chipName = chip.chipName;
  }
  line(n: number): GpioLine {
    return {
      get: async () => (await this.host.call({ op: 'gpio.lineGet', handle: this.handle, line: n })).level!,
      set: async (level) => void (await this.host.call({ op: 'gpio.lineSet', handle: this.handle, line: n, level })),
    };
  }
  async request(n: number, req: GpioLineRequest): Promise<RemoteGpioLine> {
    const r = await this.host.call({ op: 'gpio.request', handle: this.handle, line: n, req });
    return new RemoteGpioLine(this.host, r.handle!, n, r.direction!);
  }
  async lineInfo(n: number): Promise<LineInfo> {
    return (await this.host.call({ op: 'gpio.lineInfo', handle: this.handle, line: n })).info!;
  }
  async close(): Promise<void> {
    await this.host.call({ op: 'close', handle: this.handle });
  }
}

export class RemoteGpioLine implements GpioLineHandle {
  constructor(
    private readonly host: EmuHost,
    private readonly handle: number,
    readonly offset: number,
    public direction: 'input' | 'output',
  ) {}
  async get(): Promise<0 | 1> {
    return (await this.host.call({ op: 'gpio.get', handle: this.handle })).level!;
  }
  async set(level: 0 | 1): Promise<void> {
    await this.host.call({ op: 'gpio.set', handle: this.handle, level });
  }
  async reconfigure(config: GpioLineConfig): Promise<void> {
    this.direction = (await this.host.call({ op: 'gpio.reconfigure', handle: this.handle, config })).direction!;
  }
  async release(): Promise<void> {
    await this.host.call({ op: 'close', handle: this.handle });
  }
}

export class RemoteSpiController implements SpiController {
  constructor(
    private readonly host: EmuHost,
    private readonly handle: number,
    readonly name: string,
    readonly maxTransferBytes: number,
  ) {}
  async openDevice(opts: SpiDeviceOptions): Promise<RemoteSpiDevice> {
    const r = await this.host.call({ op: 'spi.open', handle: this.handle, opts });
    return new RemoteSpiDevice(this.host, r.handle!, r.maxTransferBytes!);
  }
  async close(): Promise<void> {
    await this.host.call({ op: 'close', handle: this.handle });
  }
}

export class RemoteSpiDevice implements SpiDevice {
  constructor(
    private readonly host: EmuHost,
    private readonly handle: number,
    readonly maxTransferBytes: number,
  ) {}
  async transfer(xfers: readonly SpiTransfer[]): Promise<void> {
    const r = await this.host.call({
      op: 'spi.transfer',
      handle: this.handle,
      xfers: xfers.map((x) => ({
        tx: x.tx ? Uint8Array.from(x.tx.subarray(0, x.len)) : undefined,
        rxLen: x.rx ? x.len : undefined,
        len: x.len,
        speedHz: x.speedHz,
        delayUs: x.delayUs,
        bitsPerWord: x.bitsPerWord,
        csChange: x.csChange,
      })),
    });
    xfers.forEach((x, i) => {
      const got = r.rx?.[i];
      if (x.rx && got) x.rx.set(got.subarray(0, Math.min(x.len, x.rx.length)));
    });
  }
  async readOptions(): Promise<NonNullable<HostReply['options']>> {
    return (await this.host.call({ op: 'spi.readOptions', handle: this.handle })).options!;
  }
  async close(): Promise<void> {
    await this.host.call({ op: 'close', handle: this.handle });
  }
}

export class RemoteI2cController implements I2cController {
  constructor(
    private readonly host: EmuHost,
    private readonly handle: number,
    readonly name: string,
    readonly maxTransferBytes: number,
    readonly repeatedStart: boolean,
  ) {}
  async transfer(msgs: readonly I2cMessage[]): Promise<void> {
    const r = await this.host.call({ op: 'i2c.transfer', handle: this.handle, msgs: msgs.map((m) => ({ addr: m.addr, read: m.read, buf: Uint8Array.from(m.buf) })) });
    msgs.forEach((m, i) => {
      if (m.read && r.bufs?.[i]) m.buf.set(r.bufs[i]!);
    });
  }
  async close(): Promise<void> {
    await this.host.call({ op: 'close', handle: this.handle });
  }
}
