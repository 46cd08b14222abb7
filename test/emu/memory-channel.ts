/**
 * An in-memory ByteChannel wired to a SerprogEmulator: the serprog client's logic tested without
 * a serial port (the pty tests cover the real serialport path).
 */
import { HilError } from '../../src/abi/errno';
import { ByteQueue, type ByteChannel } from '../../src/hal/serprog/channel';
import { SerprogEmulator, type SerprogEmulatorOptions } from './serprog-emulator';

export class MemoryChannel implements ByteChannel {
  readonly name = 'memory';
  readonly queue = new ByteQueue('memory');
  readonly emulator: SerprogEmulator;
  /** Every byte the host sent. */
  readonly sent: number[] = [];

  constructor(opts: SerprogEmulatorOptions) {
    // answers arrive asynchronously, as from a real device
    this.emulator = new SerprogEmulator(opts, (b) => setImmediate(() => this.queue.push(b)));
  }
  async write(bytes: Uint8Array): Promise<void> {
    if (this.queue.failed) throw this.queue.failed;
    this.sent.push(...bytes);
    this.emulator.input(bytes);
  }
  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(n, timeoutMs);
  }
  discardInput(): void {
    this.queue.discard();
  }
  async close(): Promise<void> {
    this.queue.fail(new HilError('EBADF', 'memory channel closed'));
  }
}
