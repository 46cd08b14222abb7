/**
 * Lazy loading of the optional native hardware packages (spi-device, i2c-bus, serialport, and
 * koffi, the FFI the GPIO character-device backend calls open/ioctl/close through).
 *
 * They are optionalDependencies: a laptop without a compiler still installs hilbridge and runs the
 * mock. Each loader `require`s its package on first use only, so nothing native is loaded in a
 * thread that does not drive hardware (an addon loaded in the main thread cannot be loaded again
 * in a worker: "Module did not self-register"), and turns a missing or broken build into a
 * HilError that says what to install. The interfaces below declare exactly the parts of each
 * package's API the backends use, so no `any` leaks past this file.
 */
import { errnoCode, type ErrnoCode, HilError, isErrnoCode } from '../abi/errno';

// ---- spi-device 3.x -------------------------------------------------------------------------

export interface SpiDeviceOpenOptions {
  mode?: 0 | 1 | 2 | 3;
  lsbFirst?: boolean;
  bitsPerWord?: number;
  maxSpeedHz?: number;
}

export interface SpiDeviceMessageTransfer {
  byteLength: number;
  sendBuffer?: Buffer;
  receiveBuffer?: Buffer;
  speedHz?: number;
  microSecondDelay?: number;
  bitsPerWord?: number;
  chipSelectChange?: boolean;
}

export interface SpiDeviceReadOptions {
  mode: number;
  lsbFirst: boolean;
  bitsPerWord: number;
  maxSpeedHz: number;
}

/** Errors from the addon carry Node's errno fields. */
export type NativeError = Error & { code?: string; errno?: number; syscall?: string };

/**
 * The errno code of an error from a native package or Node's fs: its `code` when it names one,
 * else its numeric errno (libuv reports errnos it has no name for as 'UNKNOWN' with the raw,
 * negative number), else 'UNKNOWN'.
 */
export function nativeErrnoCode(e: unknown): ErrnoCode | 'UNKNOWN' {
  const err = (e ?? {}) as Partial<NativeError>;
  if (typeof err.code === 'string' && isErrnoCode(err.code)) return err.code;
  if (typeof err.errno === 'number' && err.errno !== 0) {
    const c = errnoCode(err.errno);
    if (c !== 'EIO' || Math.abs(err.errno) === 5) return c;
  }
  return 'UNKNOWN';
}
export type NativeCallback = (err: NativeError | null | undefined) => void;

export interface NativeSpiDevice {
  transfer(message: SpiDeviceMessageTransfer[], cb: (err: NativeError | null | undefined) => void): unknown;
  getOptions(cb: (err: NativeError | null | undefined, options: SpiDeviceReadOptions) => void): unknown;
  setOptions(options: SpiDeviceOpenOptions, cb: NativeCallback): unknown;
  close(cb: NativeCallback): void;
}

export interface SpiDeviceModule {
  open(busNumber: number, deviceNumber: number, options: SpiDeviceOpenOptions, cb: NativeCallback): NativeSpiDevice;
}

// ---- i2c-bus 5.x ----------------------------------------------------------------------------

export interface I2cFuncsInfo {
  readonly i2c: boolean;
  readonly smbusReadI2cBlock: boolean;
  readonly smbusWriteI2cBlock: boolean;
  readonly tenBitAddr: boolean;
}

export interface NativeI2cBus {
  i2cFuncs(cb: (err: NativeError | null | undefined, funcs: I2cFuncsInfo) => void): void;
  i2cRead(addr: number, length: number, buffer: Buffer, cb: (err: NativeError | null | undefined, bytesRead: number, buffer: Buffer) => void): void;
  i2cWrite(addr: number, length: number, buffer: Buffer, cb: (err: NativeError | null | undefined, bytesWritten: number, buffer: Buffer) => void): void;
  readI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer, cb: (err: NativeError | null | undefined, bytesRead: number, buffer: Buffer) => void): void;
  close(cb: NativeCallback): void;
}

export interface I2cBusModule {
  open(busNumber: number, options: { forceAccess?: boolean }, cb: NativeCallback): NativeI2cBus;
}

// ---- serialport 13 --------------------------------------------------------------------------

export interface SerialPortOptions {
  path: string;
  baudRate: number;
  autoOpen?: boolean;
  /** Leave the modem lines alone: ptys answer ENOTTY and programmers need none of them. */
  hupcl?: boolean;
}

export interface NativeSerialPort {
  readonly isOpen: boolean;
  open(cb: NativeCallback): void;
  write(data: Buffer, cb?: NativeCallback): boolean;
  drain(cb: NativeCallback): void;
  flush(cb: NativeCallback): void;
  close(cb?: NativeCallback): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: NativeError) => void): this;
  on(event: 'close', listener: (err?: NativeError & { disconnected?: boolean }) => void): this;
  removeAllListeners(): this;
}

export interface SerialPortModule {
  SerialPort: new (options: SerialPortOptions) => NativeSerialPort;
}

// ---- koffi 2.x ------------------------------------------------------------------------------

/** A C function bound by koffi; variadic arguments are passed as (type, value) pairs. */
export type KoffiFunction = (...args: unknown[]) => unknown;

export interface KoffiLibrary {
  /** Binds a function from a C prototype, e.g. 'int close(int fd)'. */
  func(prototype: string): KoffiFunction;
}

export interface KoffiModule {
  /** `null`: the symbols the process already has (libc, and any LD_PRELOADed library first). */
  load(path: null): KoffiLibrary;
  /** errno as the last call through koffi left it. */
  errno(): number;
}

// ---- loaders --------------------------------------------------------------------------------

const ADVICE = {
  'spi-device': 'it compiles with node-gyp at install and needs python3, make and g++',
  'i2c-bus': 'it compiles with node-gyp at install and needs python3, make and g++',
  serialport: 'it ships prebuilt binaries for common platforms; elsewhere node-gyp needs python3, make and g++',
  koffi: 'it ships prebuilt binaries inside the package (Linux x64, arm64 and armhf among them) and needs no compiler; on a platform it has no binary for, the GPIO backend cannot run',
} as const;

type PackageName = keyof typeof ADVICE;

const cache = new Map<PackageName, unknown>();

/** Overridable for tests of the failure path; production code never sets it. */
let requireFn: (id: string) => unknown = require;

export function setNativeRequireForTests(fn: ((id: string) => unknown) | undefined): void {
  requireFn = fn ?? require;
  cache.clear();
}

function load<T>(name: PackageName, check: (m: unknown) => m is T): T {
  const hit = cache.get(name);
  if (hit !== undefined) return hit as T;
  let mod: unknown;
  try {
    mod = requireFn(name);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (/NODE_MODULE_VERSION/.test(e instanceof Error ? e.message : '')) {
      throw new HilError(
        'ENOSYS',
        `${name} was built for another Node version than this one (${process.version}): run \`npm rebuild ${name}\` with the Node you run hilbridge with (after switching Node, rebuild every native package: \`npm rebuild spi-device i2c-bus\`)`,
        { cause: e },
      );
    }
    const selfRegister = /did not self-register/.test(why)
      ? ' (this thread cannot load it because another thread of the process already did: load hardware addons only in the thread that owns the bus)'
      : '';
    throw new HilError(
      'ENOSYS',
      `${name} is not installed or its native build failed (${why})${selfRegister}: run \`npm install ${name}\` on the target; ${ADVICE[name]}`,
      { cause: e },
    );
  }
  if (!check(mod)) {
    throw new HilError('ENOSYS', `${name} loaded but does not have the expected API: install the version in package.json (\`npm install ${name}\`)`);
  }
  cache.set(name, mod);
  return mod;
}

function hasFunction(m: unknown, key: string): boolean {
  return typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)[key] === 'function';
}

export function loadSpiDevice(): SpiDeviceModule {
  return load('spi-device', (m): m is SpiDeviceModule => hasFunction(m, 'open'));
}

export function loadI2cBus(): I2cBusModule {
  return load('i2c-bus', (m): m is I2cBusModule => hasFunction(m, 'open'));
}

export function loadSerialPort(): SerialPortModule {
  return load('serialport', (m): m is SerialPortModule => hasFunction(m, 'SerialPort'));
}

export function loadKoffi(): KoffiModule {
  return load('koffi', (m): m is KoffiModule => hasFunction(m, 'load') && hasFunction(m, 'errno'));
}
