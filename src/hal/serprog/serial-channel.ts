/**
 * A ByteChannel over a real serial port (USB CDC-ACM programmers such as a Pico or an Arduino),
 * through the `serialport` native package. A vanished port (unplugged, reset, pty closed) fails
 * every pending and later read with ENODEV instead of leaving a caller waiting.
 */
import { HilError } from '../../abi/errno';
import { loadSerialPort, type NativeError, type NativeSerialPort } from '../native';
import { ByteQueue, type ByteChannel } from './channel';

export interface SerialChannelOptions {
  readonly port: string;
  readonly baudRate: number;
}

export class SerialChannel implements ByteChannel {
  readonly name: string;
  private readonly queue: ByteQueue;

  private constructor(
    private readonly sp: NativeSerialPort,
    port: string,
    private readonly baudRate: number,
  ) {
    this.name = port;
    this.queue = new ByteQueue(port);
    sp.on('data', (chunk) => this.queue.push(chunk));
    sp.on('error', (err) => this.queue.fail(vanished(port, err)));
    sp.on('close', (err) => this.queue.fail(vanished(port, err)));
  }

  static async open(opts: SerialChannelOptions): Promise<SerialChannel> {
    const { SerialPort } = loadSerialPort();
    // hupcl false: do not touch modem lines (a pty answers ENOTTY; programmers need none)
    const sp = new SerialPort({ path: opts.port, baudRate: opts.baudRate, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) =>
      sp.open((err) => (err ? reject(openError(opts.port, err)) : resolve())),
    );
    return new SerialChannel(sp, opts.port, opts.baudRate);
  }

  /**
   * Writes bytes, bounded in time: a port whose other end vanished mid-write may never call back
   * (seen with a pty whose master closed under load), and a caller must not wait forever.
   */
  async write(bytes: Uint8Array): Promise<void> {
    const failed = this.queue.failed;
    if (failed) throw failed;
    const limitMs = WRITE_GRACE_MS + Math.ceil((bytes.length * 10 * 1000) / this.baudRate);
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        this.sp.write(Buffer.from(bytes), (err) => (err ? reject(vanished(this.name, err)) : resolve()));
      }),
      limitMs,
      () => {
        const e = vanished(this.name, Object.assign(new Error(`no write completed within ${limitMs} ms`), { code: "ETIMEDOUT" }));
        this.queue.fail(e);
        return e;
      },
    );
  }

  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(n, timeoutMs);
  }

  discardInput(): void {
    this.queue.discard();
  }

  /** Closes the port; gives up waiting after CLOSE_GRACE_MS (a vanished port may never confirm). */
  async close(): Promise<void> {
    this.queue.fail(new HilError('EBADF', `${this.name} is closed`));
    if (!this.sp.isOpen) return;
    await withDeadline(new Promise<void>((resolve) => this.sp.close(() => resolve())), CLOSE_GRACE_MS, () => undefined).catch(() => undefined);
  }
}

const WRITE_GRACE_MS = 2000;
const CLOSE_GRACE_MS = 1000;

/** Settles with `p`, or after `ms` with the error `onTimeout` returns (or quietly if it returns nothing). */
function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error | undefined): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = setTimeout(() => {
      const e = onTimeout();
      if (e) reject(e);
      else resolve(undefined);
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function vanished(port: string, err: NativeError | undefined): HilError {
  const why = err?.message ? ` (${err.message})` : '';
  return new HilError('ENODEV', `serprog programmer on ${port} disappeared${why}: check the USB cable, reconnect it and open the port again`, { cause: err });
}

function openError(port: string, err: NativeError): HilError {
  const msg = err.message ?? String(err);
  if (/ENOENT|No such file/.test(msg)) {
    return new HilError('ENODEV', `serial port ${port} does not exist: plug the programmer in and pass its port (e.g. --port /dev/ttyACM0; ls /dev/ttyACM* /dev/ttyUSB*)`, { cause: err });
  }
  if (/EACCES|Permission denied/.test(msg)) {
    return new HilError('EACCES', `no permission to open ${port}: add your user to the dialout group (sudo usermod -aG dialout $USER) and log in again`, { cause: err });
  }
  if (/lock|EBUSY|Resource temporarily unavailable/i.test(msg)) {
    return new HilError('EBUSY', `${port} is in use by another program (ModemManager, a serial console, flashrom): close it and retry`, { cause: err });
  }
  return new HilError('EIO', `cannot open ${port}: ${msg}`, { cause: err });
}
