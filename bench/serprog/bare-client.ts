/**
 * The serprog suite's baseline: the least a client can do to run the same serprog operations as
 * hilbridge on the same programmer. It opens the port with the same `serialport` package, finds
 * the command boundary with one SYNCNOP, then sends O_SPIOP frames and reads exactly the answer
 * bytes, with no timeouts, no queue, no recovery and no layers above: what is left of its time is
 * the serial path and the programmer.
 */
import { HilError } from '../../src/abi/errno';
import { loadSerialPort, type NativeSerialPort } from '../../src/hal/native';
import { ACK, CMD, encodeSpiOp, NAK } from '../../src/hal/serprog/protocol';

export class BareSerprog {
  private chunks: Buffer[] = [];
  private have = 0;
  private want: { n: number; resolve: (b: Buffer) => void } | undefined;

  private constructor(private readonly sp: NativeSerialPort) {
    sp.on('data', (c) => {
      this.chunks.push(c);
      this.have += c.length;
      this.wake();
    });
  }

  static async open(path: string): Promise<BareSerprog> {
    const { SerialPort } = loadSerialPort();
    const sp = new SerialPort({ path, baudRate: 115200, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => sp.open((e) => (e ? reject(e) : resolve())));
    const c = new BareSerprog(sp);
    sp.write(Buffer.of(CMD.SYNCNOP));
    let prev = -1;
    for (;;) {
      const b = (await c.read(1))[0]!;
      if (prev === NAK && b === ACK) break;
      prev = b;
    }
    return c;
  }

  private wake(): void {
    const w = this.want;
    if (!w || this.have < w.n) return;
    this.want = undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > w.n ? [all.subarray(w.n)] : [];
    this.have -= w.n;
    w.resolve(all.subarray(0, w.n));
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.want = { n, resolve };
      this.wake();
    });
  }

  /** One O_SPIOP: send `write`, read `readLen` bytes. */
  async spiOp(write: Uint8Array, readLen: number): Promise<Buffer> {
    this.sp.write(Buffer.from(encodeSpiOp(write, readLen)));
    const r = await this.read(1 + readLen);
    if (r[0] !== ACK) throw new HilError('EIO', `bare serprog client: O_SPIOP answered 0x${r[0]!.toString(16)}`);
    return r.subarray(1);
  }

  /** The operations of an AT25 read as hilbridge's driver issues them: RDSR, then READ per chunk. */
  async at25Read(offset: number, length: number, chunk: number): Promise<void> {
    await this.spiOp(Uint8Array.of(0x05), 1);
    for (let pos = 0; pos < length; pos += chunk) {
      const a = offset + pos;
      await this.spiOp(Uint8Array.of(0x03, (a >> 8) & 0xff, a & 0xff), Math.min(chunk, length - pos));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sp.close(() => resolve()));
  }
}
