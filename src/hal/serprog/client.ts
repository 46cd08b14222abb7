/**
 * A serprog client over any ByteChannel: synchronisation, one command at a time, and recovery.
 *
 * Every command waits for its answer with a timeout. A timeout, or a first answer byte that is
 * neither ACK nor NAK (a desynchronised stream), triggers a re-sync with SYNCNOP before the error
 * is reported, so the next command starts on a clean boundary; nothing waits forever. A NAK is
 * reported as the programmer refusing the command. If re-sync fails the programmer is declared
 * unresponsive (EIO) and later commands try to sync again first.
 */
import { HilError } from '../../abi/errno';
import type { ByteChannel } from './channel';
import { ACK, CMD, NAK } from './protocol';

/** NOPs sent before SYNCNOP: each one completes a parameter byte of a command left half way. */
const FLUSH_NOPS = 8;

export interface SerprogClientOptions {
  /** Longest wait for an answer beyond the time its bytes take on the wire (default 1000 ms). */
  readonly timeoutMs?: number;
  /** Wire speed, to stretch timeouts for long transfers (default 115200). */
  readonly baudRate?: number;
}

export class SerprogNak extends HilError {
  constructor(readonly command: number, message: string) {
    super('EIO', message);
  }
}

const CMD_NAMES = new Map<number, string>(Object.entries(CMD).map(([k, v]) => [v, k]));
export const cmdName = (c: number): string => CMD_NAMES.get(c) ?? `0x${c.toString(16).padStart(2, '0')}`;

export class SerprogClient {
  readonly timeoutMs: number;
  private readonly baudRate: number;
  private needSync = true;

  constructor(
    readonly channel: ByteChannel,
    opts: SerprogClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.baudRate = opts.baudRate ?? 115200;
  }

  /** Time the wire needs for `bytes` at 10 bits a byte, plus the answer timeout. */
  private budget(bytes: number): number {
    return this.timeoutMs + Math.ceil((bytes * 10 * 1000) / this.baudRate);
  }

  /**
   * Finds the command boundary: NOPs flush a half-parsed command's parameters, then SYNCNOP is
   * repeated until its NAK,ACK pair comes back, and a final NOP must answer exactly ACK.
   *
   * A programmer that was idle answers the eight NOPs and the SYNCNOP with exactly eight ACKs and
   * NAK,ACK: then nothing else can be in flight and the NOP confirms at once, so opening costs two
   * round trips and no waiting. Anything else before the pair (a command left half way, line
   * noise, answers of an earlier session) may have more answers on their way, so the input is
   * drained until it is quiet before the confirming NOP.
   */
  async sync(attempts = 8): Promise<void> {
    const ch = this.channel;
    const quiet = Math.max(20, Math.min(this.timeoutMs, 50));
    ch.discardInput();
    await ch.write(Uint8Array.of(...new Array<number>(FLUSH_NOPS).fill(CMD.NOP), CMD.SYNCNOP));
    for (let a = 0; a < attempts; a++) {
      if (a > 0) await ch.write(Uint8Array.of(CMD.SYNCNOP));
      const clean = await this.scanForSyncPair(this.timeoutMs, a === 0 ? FLUSH_NOPS : -1);
      if (clean === undefined) continue;
      if (!clean) await this.drain(quiet); // answers to earlier commands may still be in flight
      await ch.write(Uint8Array.of(CMD.NOP));
      const b = await ch.read(1, this.timeoutMs).catch(passDead);
      if (b?.[0] === ACK) {
        this.needSync = false;
        return;
      }
    }
    this.needSync = true;
    throw new HilError('EIO', `serprog programmer on ${ch.name} does not answer SYNCNOP: check the port and baud rate, that it runs serprog firmware, and reset it`);
  }

  /** Sends `cmd` with its parameters; resolves with the `answerLen` bytes after ACK. */
  async command(cmd: number, params: Uint8Array | readonly number[] = [], answerLen = 0): Promise<Uint8Array> {
    if (this.needSync) await this.sync();
    const frame = new Uint8Array(1 + params.length);
    frame[0] = cmd;
    frame.set(params, 1);
    const ch = this.channel;
    // The answer is awaited while the write completes: a write's callback comes after the bytes
    // left, which can be after the answer is back (serialport writes from libuv's thread pool).
    const written = ch.write(frame);
    written.catch(() => undefined); // observed below; a failed write also fails the read
    try {
      const first = (await ch.read(1, this.budget(frame.length)))[0]!;
      await written;
      if (first === NAK) throw new SerprogNak(cmd, `serprog programmer on ${ch.name} refused ${cmdName(cmd)} (NAK)`);
      if (first !== ACK) {
        throw new HilError('EPROTO', `serprog programmer on ${ch.name} answered ${cmdName(cmd)} with 0x${first.toString(16)} instead of ACK/NAK: the stream was out of step; re-synchronised, retry the operation`);
      }
      return answerLen > 0 ? await ch.read(answerLen, this.budget(answerLen)) : new Uint8Array(0);
    } catch (e) {
      if (e instanceof SerprogNak) throw e;
      const err = e instanceof HilError ? e : new HilError('EIO', String(e));
      if (err.code === 'ENODEV' || err.code === 'EBADF') throw err;
      await this.recover(err);
      if (err.code === 'ETIMEDOUT') {
        throw new HilError('ETIMEDOUT', `serprog programmer on ${ch.name} did not finish ${cmdName(cmd)} in time (${err.message}); re-synchronised: the operation may or may not have run, retry it`, { cause: err });
      }
      throw err;
    }
  }

  /** After a timeout or garbage: re-sync now so the next command starts clean. */
  private async recover(cause: HilError): Promise<void> {
    this.needSync = true;
    try {
      await this.sync();
    } catch (e) {
      const h = e instanceof HilError ? e : new HilError('EIO', String(e));
      if (h.code === 'ENODEV') throw h;
      throw new HilError('EIO', `${h.message} (after: ${cause.message})`, { cause });
    }
  }

  /**
   * Reads until a NAK,ACK pair: undefined if none came in time; true when exactly `acks` ACKs
   * came before it and nothing else (an idle programmer answering our NOPs), false otherwise.
   */
  private async scanForSyncPair(timeoutMs: number, acks: number): Promise<boolean | undefined> {
    const deadline = Date.now() + timeoutMs;
    let prev = -1;
    let before = 0;
    let clean = true;
    while (Date.now() < deadline) {
      const b = await this.channel.read(1, Math.max(1, deadline - Date.now())).catch(passDead);
      if (!b) return undefined;
      const x = b[0]!;
      if (prev === NAK && x === ACK) return clean && before === acks + 1;
      if (x !== ACK && x !== NAK) clean = false;
      if (prev === NAK) clean = false; // a NAK not followed by ACK
      prev = x;
      before++;
    }
    return undefined;
  }

  /** Reads and drops input until `quietMs` pass with nothing arriving. */
  private async drain(quietMs: number): Promise<void> {
    this.channel.discardInput();
    for (;;) {
      const b = await this.channel.read(1, quietMs).catch(passDead);
      if (!b) return;
      this.channel.discardInput();
    }
  }
}

/** Timeouts become undefined (keep trying); a dead transport propagates. */
function passDead(e: unknown): undefined {
  if (e instanceof HilError && e.code === 'ETIMEDOUT') return undefined;
  throw e;
}
