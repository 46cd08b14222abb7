/**
 * An emulated serprog programmer with an SPI chip model behind it, byte-exact to flashrom's
 * serial flasher protocol: it parses the command stream as firmware does (one byte at a time,
 * waiting for parameters) and answers ACK/NAK plus data. Fault switches let tests desynchronise
 * the stream, refuse a command, go silent, or answer short.
 */
import type { SpiSlaveModel } from '../../src/hal/mock/spi-slave';
import { ACK, BUS_SPI, CMD, le, NAK, u24le, u32le } from '../../src/hal/serprog/protocol';

const PARAMS: Record<number, number> = {
  [CMD.S_BUSTYPE]: 1,
  [CMD.S_SPI_FREQ]: 4,
  [CMD.S_PIN_STATE]: 1,
  [CMD.S_SPI_CS]: 1,
  [CMD.O_SPIOP]: 6, // plus slen data bytes
};

export interface SerprogEmulatorOptions {
  readonly chip: SpiSlaveModel;
  readonly name?: string;
  readonly maxWrite?: number;
  readonly maxRead?: number;
  readonly serialBuffer?: number;
  readonly commands?: readonly number[];
}

export class SerprogEmulator {
  /** Everything the programmer was asked, as command numbers, for tests. */
  readonly seen: number[] = [];
  spiFreqHz = 0;
  pinsEnabled = false;
  /** Fault switches. */
  nakNext = new Set<number>();
  /** While true, input is swallowed and nothing is answered (a wedged firmware). */
  silent = false;
  /** Bytes to emit before the next answer (line noise). */
  garbageBeforeNextAnswer: number[] = [];
  /** Answer the next O_SPIOP with only this many of its data bytes. */
  shortNextSpiOp: number | undefined;

  private readonly commands: Set<number>;
  private cmd: number | undefined;
  private params: number[] = [];
  private need = 0;

  constructor(
    private readonly opts: SerprogEmulatorOptions,
    private readonly output: (bytes: Uint8Array) => void,
  ) {
    this.commands = new Set(opts.commands ?? [
      CMD.NOP, CMD.Q_IFACE, CMD.Q_CMDMAP, CMD.Q_PGMNAME, CMD.Q_SERBUF, CMD.Q_BUSTYPE, CMD.Q_WRNMAXLEN,
      CMD.SYNCNOP, CMD.Q_RDNMAXLEN, CMD.S_BUSTYPE, CMD.O_SPIOP, CMD.S_SPI_FREQ, CMD.S_PIN_STATE,
    ]);
  }

  input(bytes: Uint8Array): void {
    if (this.silent) return;
    for (const b of bytes) this.byte(b);
  }

  private byte(b: number): void {
    if (this.cmd === undefined) {
      this.cmd = b;
      this.params = [];
      this.need = this.commands.has(b) ? (PARAMS[b] ?? 0) : 0;
    } else {
      this.params.push(b);
      if (this.cmd === CMD.O_SPIOP && this.params.length === 6) this.need = 6 + u24le(Uint8Array.from(this.params));
    }
    if (this.params.length < this.need) return;
    const cmd = this.cmd;
    this.cmd = undefined;
    this.execute(cmd, Uint8Array.from(this.params));
  }

  private send(bytes: readonly number[] | Uint8Array): void {
    const g = this.garbageBeforeNextAnswer;
    this.garbageBeforeNextAnswer = [];
    this.output(Uint8Array.from([...g, ...bytes]));
  }

  private execute(cmd: number, p: Uint8Array): void {
    this.seen.push(cmd);
    if (cmd === CMD.SYNCNOP) return this.send([NAK, ACK]);
    if (!this.commands.has(cmd) || this.nakNext.delete(cmd)) return this.send([NAK]);
    const o = this.opts;
    switch (cmd) {
      case CMD.NOP:
        return this.send([ACK]);
      case CMD.Q_IFACE:
        return this.send([ACK, ...le(1, 2)]);
      case CMD.Q_CMDMAP: {
        const map = new Uint8Array(32);
        for (const c of this.commands) map[c >> 3]! |= 1 << (c & 7);
        return this.send([ACK, ...map]);
      }
      case CMD.Q_PGMNAME: {
        const name = new Uint8Array(16);
        name.set(Buffer.from((o.name ?? 'hil-emu').slice(0, 16), 'latin1'));
        return this.send([ACK, ...name]);
      }
      case CMD.Q_SERBUF:
        return this.send([ACK, ...le(o.serialBuffer ?? 0xffff, 2)]);
      case CMD.Q_BUSTYPE:
        return this.send([ACK, BUS_SPI]);
      case CMD.Q_WRNMAXLEN:
        return this.send([ACK, ...le(o.maxWrite ?? 0, 3)]);
      case CMD.Q_RDNMAXLEN:
        return this.send([ACK, ...le(o.maxRead ?? 0, 3)]);
      case CMD.S_BUSTYPE:
        return this.send(p[0]! & BUS_SPI ? [ACK] : [NAK]);
      case CMD.S_PIN_STATE:
        this.pinsEnabled = p[0] !== 0;
        return this.send([ACK]);
      case CMD.S_SPI_FREQ: {
        const hz = u32le(p);
        if (hz === 0) return this.send([NAK]);
        this.spiFreqHz = Math.min(hz, 12_000_000); // like a Pico: caps at its fastest divider
        return this.send([ACK, ...le(this.spiFreqHz, 4)]);
      }
      case CMD.S_SPI_CS:
        return this.send(p[0] === 0 ? [ACK] : [NAK]);
      case CMD.O_SPIOP: {
        const slen = u24le(p, 0);
        const rlen = u24le(p, 3);
        if ((o.maxWrite && slen > o.maxWrite) || (o.maxRead && rlen > o.maxRead)) return this.send([NAK]);
        const chip = o.chip;
        chip.select();
        for (const b of p.subarray(6, 6 + slen)) chip.exchange(b);
        const data = Array.from({ length: rlen }, () => chip.exchange(0xff) & 0xff);
        chip.deselect();
        const short = this.shortNextSpiOp;
        this.shortNextSpiOp = undefined;
        return this.send([ACK, ...(short === undefined ? data : data.slice(0, short))]);
      }
      default:
        return this.send([NAK]);
    }
  }
}
