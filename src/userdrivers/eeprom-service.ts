/**
 * Both ends of the EEPROM service: `eepromHandler` turns protocol requests into calls on an
 * `Eeprom` driver (server side), and `EepromClient` is an `Eeprom` that forwards every call as
 * requests (client side: the library API in the kernel process, or another user thread).
 *
 * The client splits large operations into page-aligned chunks so that progress can be reported
 * and an abort stops after the chunk in flight.
 */
import {
  blocksIndex,
  blocksName,
  decodeEepromRequest,
  EEPROM_FLAG_VERIFY,
  EEPROM_MAX_CHUNK,
  EEPROM_OP,
  type EepromOp,
  encodeEepromRequest,
} from '../abi/eeprom-proto';
import { HilError } from '../abi/errno';
import type { IpcResult } from '../user/ipc';
import { checkRange, type Eeprom, type EepromStatus, type ProtectionSettings, type WriteOptions } from './eeprom';

const EMPTY = new Uint8Array(0);
const json = (o: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(o), 'utf8'));

export interface EepromInfo {
  readonly size: number;
  readonly pageSize: number;
}

export function eepromHandler(dev: Eeprom): (msg: Uint8Array) => Promise<IpcResult> {
  return async (msg) => {
    const r = decodeEepromRequest(msg);
    switch (r.op) {
      case EEPROM_OP.INFO:
        return { status: 0, reply: json({ size: dev.size(), pageSize: dev.pageSize() } satisfies EepromInfo) };
      case EEPROM_OP.READ:
        return { status: 0, reply: await dev.read(r.offset, r.length) };
      case EEPROM_OP.WRITE:
        await dev.write(r.offset, r.payload, { verify: (r.flags & EEPROM_FLAG_VERIFY) !== 0 });
        return { status: 0, reply: EMPTY };
      case EEPROM_OP.ERASE:
        await dev.erase(r.offset, r.length, r.payload[0] ?? 0xff, { verify: (r.flags & EEPROM_FLAG_VERIFY) !== 0 });
        return { status: 0, reply: EMPTY };
      case EEPROM_OP.STATUS:
        return { status: 0, reply: json(await dev.status()) };
      case EEPROM_OP.PROTECT:
        await dev.setProtection(r.wpen === 2 ? { blocks: blocksName(r.blocks) } : { blocks: blocksName(r.blocks), wpen: r.wpen === 1 });
        return { status: 0, reply: EMPTY };
    }
  };
}

/** Sends one request and returns the reply payload, throwing the server's error. */
export type EepromCall = (msg: Uint8Array) => Promise<Uint8Array>;

export class EepromClient implements Eeprom {
  private constructor(
    readonly name: string,
    private readonly send: EepromCall,
    private readonly info: EepromInfo,
  ) {}

  static async open(name: string, send: EepromCall): Promise<EepromClient> {
    const reply = await send(encodeEepromRequest({ op: EEPROM_OP.INFO, offset: 0, length: 0 }));
    return new EepromClient(name, send, JSON.parse(Buffer.from(reply).toString('utf8')) as EepromInfo);
  }

  size(): number {
    return this.info.size;
  }

  pageSize(): number {
    return this.info.pageSize;
  }

  /** Chunk for writes: whole pages, small enough that an abort is honoured quickly. */
  private get writeChunk(): number {
    return Math.max(this.info.pageSize, Math.min(EEPROM_MAX_CHUNK, this.info.pageSize * 16));
  }

  async read(offset: number, length: number, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
    checkRange(this.name, this.info.size, offset, length);
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = Math.min(EEPROM_MAX_CHUNK, length - done);
      const part = await this.send(encodeEepromRequest({ op: EEPROM_OP.READ, offset: offset + done, length: n }));
      if (part.length !== n) throw new HilError('EIO', `${this.name}: asked for ${n} bytes, the driver returned ${part.length}`);
      out.set(part, done);
      done += n;
      onProgress?.(done, length);
    }
    return out;
  }

  async write(offset: number, data: Uint8Array, opts: WriteOptions = {}): Promise<void> {
    checkRange(this.name, this.info.size, offset, data.length);
    await this.chunked(EEPROM_OP.WRITE, offset, data.length, opts, (at, n) => data.subarray(at - offset, at - offset + n));
  }

  async erase(offset = 0, length?: number, fill = 0xff, opts: WriteOptions = {}): Promise<void> {
    const len = length ?? this.info.size - offset;
    checkRange(this.name, this.info.size, offset, len);
    if (!Number.isInteger(fill) || fill < 0 || fill > 255) throw new HilError('EINVAL', `${this.name}: fill ${fill} is not a byte (0..255)`);
    await this.chunked(EEPROM_OP.ERASE, offset, len, opts, () => Uint8Array.of(fill));
  }

  async status(): Promise<EepromStatus> {
    const reply = await this.send(encodeEepromRequest({ op: EEPROM_OP.STATUS, offset: 0, length: 0 }));
    return JSON.parse(Buffer.from(reply).toString('utf8')) as EepromStatus;
  }

  async setProtection(p: ProtectionSettings): Promise<void> {
    const wpen = p.wpen === undefined ? 2 : p.wpen ? 1 : 0;
    await this.send(encodeEepromRequest({ op: EEPROM_OP.PROTECT, offset: 0, length: 0, blocks: blocksIndex(p.blocks), wpen }));
  }

  /** Page-aligned chunks; abort and progress are checked between chunks. */
  private async chunked(
    op: EepromOp,
    offset: number,
    length: number,
    opts: WriteOptions,
    payload: (at: number, n: number) => Uint8Array,
  ): Promise<void> {
    const flags = opts.verify === false ? 0 : EEPROM_FLAG_VERIFY;
    const chunk = this.writeChunk;
    let at = offset;
    const end = offset + length;
    while (at < end) {
      if (opts.signal?.aborted) {
        throw new HilError('ECANCELED', `${this.name}: stopped after ${at - offset} of ${length} bytes (offset 0x${at.toString(16)})`);
      }
      const n = Math.min(end - at, chunk - (at % chunk));
      await this.send(encodeEepromRequest({ op, flags, offset: at, length: n, payload: payload(at, n) }));
      at += n;
      opts.onProgress?.({ done: at - offset, total: length });
    }
  }
}
