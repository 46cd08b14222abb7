/**
 * embedded-hal-mock style test doubles: a driver is given the exact transactions it must perform
 * (bytes out, bytes to answer), every transaction is checked as it arrives, and `done()` fails
 * unless the whole script was consumed. Implements the driver-facing device API directly.
 */
import { HilError } from '../../src/abi/errno';
import type { BusBuffer, I2cDeviceApi, I2cMessage, SpiDeviceApi, SpiTransfer } from '../../src/user/device-api';

type SpiOp = SpiTransfer<BusBuffer>;
type I2cOp = I2cMessage<BusBuffer>;

/** Test doubles see only a driver's own memory (no leases outside a kernel). */
function bytes(b: BusBuffer): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new Error('a scripted device got a lease window');
  return b;
}

export interface ExpectSpiOp {
  /** Bytes the driver must shift out (a transmit-only or full-duplex transfer). */
  readonly tx?: readonly number[];
  /** Bytes the chip answers (a receive transfer); its length is the transfer length. */
  readonly rx?: readonly number[];
  readonly csChange?: boolean;
}

const hex = (b: ArrayLike<number> | undefined): string => (b ? Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ') : '-');

export class ScriptedSpi implements SpiDeviceApi {
  private next = 0;
  private failure: string | undefined;
  constructor(
    private readonly script: readonly (readonly ExpectSpiOp[])[],
    readonly maxTransferBytes = 4096,
  ) {}

  async transfer(ops: readonly SpiOp[]): Promise<void> {
    const i = this.next++;
    const want = this.script[i];
    const got = ops.map((o) => `{tx ${hex(o.tx && bytes(o.tx).subarray(0, o.len))} len ${o.len}${o.csChange ? ' cs' : ''}}`).join(' ');
    const fail = (why: string): never => {
      this.failure ??= `transaction ${i}: ${why}\n  got: ${got}`;
      throw new Error(this.failure);
    };
    if (!want) fail('unexpected transaction (script exhausted)');
    if (want!.length !== ops.length) fail(`expected ${want!.length} transfers`);
    want!.forEach((w, k) => {
      const o = ops[k]!;
      const len = w.rx?.length ?? w.tx?.length ?? 0;
      if (o.len !== len) fail(`transfer ${k}: expected length ${len}`);
      if (!!o.csChange !== !!w.csChange) fail(`transfer ${k}: expected csChange ${!!w.csChange}`);
      if (w.tx) {
        if (!o.tx || hex(bytes(o.tx).subarray(0, o.len)) !== hex(w.tx)) fail(`transfer ${k}: expected tx ${hex(w.tx)}`);
      }
      if (w.rx) {
        if (!o.rx) fail(`transfer ${k}: expected a receive buffer`);
        bytes(o.rx!).set(w.rx);
      }
    });
  }

  async lock(): Promise<void> {}
  async unlock(): Promise<void> {}

  /** Throws unless every scripted transaction ran and none mismatched. */
  done(): void {
    if (this.failure) throw new Error(this.failure);
    if (this.next !== this.script.length) throw new Error(`only ${this.next} of ${this.script.length} scripted transactions ran`);
  }
}

export interface ExpectI2cMsg {
  readonly addr: number;
  /** Written bytes expected, or (with read) bytes the chip answers. */
  readonly write?: readonly number[];
  readonly read?: readonly number[];
}

/** A scripted I2C transfer; `nack: true` makes it fail with EREMOTEIO (chip busy). */
export interface ExpectI2cTransfer {
  readonly msgs: readonly ExpectI2cMsg[];
  readonly nack?: boolean;
}

export class ScriptedI2c implements I2cDeviceApi {
  private next = 0;
  private failure: string | undefined;
  constructor(
    private readonly script: readonly ExpectI2cTransfer[],
    readonly repeatedStart = true,
    readonly maxTransferBytes = 8192,
  ) {}

  async transfer(ops: readonly I2cOp[]): Promise<void> {
    const i = this.next++;
    const want = this.script[i];
    const got = ops.map((o) => `{0x${o.addr.toString(16)} ${o.read ? `R ${o.buf.length}` : `W ${hex(bytes(o.buf))}`}}`).join(' ');
    const fail = (why: string): never => {
      this.failure ??= `transfer ${i}: ${why}\n  got: ${got}`;
      throw new Error(this.failure);
    };
    if (!want) fail('unexpected transfer (script exhausted)');
    if (want!.msgs.length !== ops.length) fail(`expected ${want!.msgs.length} messages`);
    want!.msgs.forEach((w, k) => {
      const o = ops[k]!;
      if (o.addr !== w.addr) fail(`message ${k}: expected address 0x${w.addr.toString(16)}`);
      if (o.read !== (w.read !== undefined)) fail(`message ${k}: expected a ${w.read ? 'read' : 'write'}`);
      if (w.write && hex(bytes(o.buf)) !== hex(w.write)) fail(`message ${k}: expected ${hex(w.write)}`);
      if (w.read && o.buf.length !== w.read.length) fail(`message ${k}: expected a read of ${w.read.length}`);
    });
    if (want!.nack) throw new HilError('EREMOTEIO', 'scripted NACK');
    want!.msgs.forEach((w, k) => {
      if (w.read) bytes(ops[k]!.buf).set(w.read);
    });
  }

  done(): void {
    if (this.failure) throw new Error(this.failure);
    if (this.next !== this.script.length) throw new Error(`only ${this.next} of ${this.script.length} scripted transfers ran`);
  }
}
