/**
 * One command's run against a board: the global options, booting (and always shutting down) the
 * library, printing the board's warnings, finding a device, asking before a real chip is changed,
 * and turning Ctrl-C, SIGTERM and SIGHUP into an AbortSignal that long operations honour between
 * pages (a second signal quits at once). The signals are claimed before the board boots: one that
 * arrives while it starts stops the command before any device is used.
 */
import { createInterface } from 'node:readline';
import { boot, ConfigError, type DeviceInfo, type EepromHandle, type Hilbridge, resolveBoard, type TransportKind } from '../index';
import { CommandError, EXIT, UsageError } from './errors';
import { clearProgress } from './progress';
import { claimSignals, type CliSignal, SIGNALS, SIGNO } from './signals';

export interface GlobalOptions {
  /** `--board`: a board file or a shipped board's name. */
  readonly board?: string | undefined;
  /** Whether the board came from HILBRIDGE_BOARD rather than --board. */
  readonly boardFromEnv?: boolean | undefined;
  readonly image: readonly string[];
  readonly json: boolean;
  readonly debug: boolean;
  /** `--quiet`: no summaries, warnings or progress bars; data and errors only. */
  readonly quiet: boolean;
  /** `--yes`: change a real chip without asking. */
  readonly yes: boolean;
  readonly transport?: TransportKind | undefined;
  /** Serial port of a serprog programmer (`--port`), overriding the board file. */
  readonly port?: string | undefined;
}

/** `NAME=FILE` pairs of `--image`, checked for shape (the library checks names and sizes). */
export function parseImages(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new UsageError('EINVAL', `--image "${s}" must be NAME=FILE, e.g. --image eeprom0=chip.bin`);
    const name = s.slice(0, eq);
    if (out[name]) throw new UsageError('EINVAL', `--image names ${name} twice; give one file per device`);
    out[name] = s.slice(eq + 1);
  }
  return out;
}

/** The board file these options select (a path, or a shipped board by name), refused early (exit 2) if there is none. */
export function boardPath(g: GlobalOptions): string {
  try {
    return resolveBoard(g.board);
  } catch (e) {
    if (e instanceof ConfigError && g.board !== undefined) {
      const from = g.boardFromEnv ? 'HILBRIDGE_BOARD' : '--board';
      throw new ConfigError(e.code, e.message.replace(`board file ${g.board} `, `board file ${g.board} (from ${from}) `));
    }
    throw e;
  }
}

export interface RunOptions {
  /** Print the board's warnings on standard error (default true; `info` lists them itself). */
  readonly warnings?: boolean;
}

/**
 * Signals turned into an abort: the first SIGINT, SIGTERM or SIGHUP stops the command after the
 * page in flight (work checks the AbortSignal between pages); a second one quits at once.
 */
class Interrupts {
  readonly abort = new AbortController();
  /** The signal that stopped the command, if one did. */
  stoppedBy: CliSignal | undefined;
  private readonly handlers = SIGNALS.map((sig) => [sig, () => this.onSignal(sig)] as const);
  private release: (() => void) | undefined;

  install(): void {
    this.release = claimSignals();
    for (const [sig, h] of this.handlers) process.on(sig, h);
  }

  remove(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
    this.release?.();
  }

  private onSignal(sig: CliSignal): void {
    clearProgress();
    if (this.stoppedBy) {
      process.stderr.write(`hilbridge: ${sig} again; exiting without waiting for the page in flight\n`);
      process.exit(128 + SIGNO[sig]);
    }
    this.stoppedBy = sig;
    process.stderr.write(`\nhilbridge: ${sig === 'SIGINT' ? 'interrupt' : sig}: stopping after the page in flight (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`);
    this.abort.abort();
  }
}

export class Session {
  private constructor(
    readonly hb: Hilbridge,
    readonly options: GlobalOptions,
    private readonly interrupts: Interrupts,
  ) {}

  /**
   * Boots the board of `g`, runs `fn`, and shuts the library down whatever happens. Signals are
   * caught from before the boot, so one that arrives while the board starts (or an image file is
   * being created) stops the command before any byte moves, with the same report and exit code.
   */
  static async run<T>(g: GlobalOptions, fn: (s: Session) => Promise<T>, o: RunOptions = {}): Promise<T> {
    const board = boardPath(g);
    const images = parseImages(g.image);
    const interrupts = new Interrupts();
    interrupts.install();
    try {
      const hb = await boot({ board, images, transport: g.transport, serialPort: g.port });
      const s = new Session(hb, g, interrupts);
      try {
        // "thread … is not started" follows from a device warning; `info` lists both.
        if (o.warnings !== false && !g.quiet) s.pendingWarnings = hb.info().warnings.filter((w) => !/^thread \S+ is not started:/.test(w));
        const sig = interrupts.stoppedBy;
        if (sig) {
          throw new CommandError('ECANCELED', `${sig} arrived while the board was starting; stopped before touching any device: nothing was read or written`, 128 + SIGNO[sig], {
            done: 0,
          });
        }
        return await fn(s);
      } finally {
        s.flushWarnings();
        await hb.shutdown();
      }
    } finally {
      interrupts.remove();
    }
  }

  /** The signal that stopped the command, if one did. */
  get stoppedBy(): CliSignal | undefined {
    return this.interrupts.stoppedBy;
  }

  /** Boot warnings not printed yet: they go out before the command's first output, or its error. */
  private pendingWarnings: string[] = [];

  /**
   * Prints the boot warnings on standard error, leaving out those that `error` (the command's
   * failure, about to be printed) already says: a device on a controller that did not open is
   * reported once, by the error, not twice.
   */
  private flushWarnings(error?: unknown): void {
    const message = error instanceof Error ? error.message : '';
    for (const w of this.pendingWarnings) {
      const reason = w.includes('cannot be used: ') ? w.slice(w.indexOf('cannot be used: ') + 'cannot be used: '.length) : w;
      if (message && message.includes(reason)) continue;
      process.stderr.write(`hilbridge: warning: ${w}\n`);
    }
    this.pendingWarnings = [];
  }

  /** Fires on the first signal. */
  get signal(): AbortSignal {
    return this.interrupts.abort.signal;
  }

  /** Exit code for an operation the signal stopped. */
  get interruptedExit(): number {
    return 128 + SIGNO[this.stoppedBy ?? 'SIGINT'];
  }

  device(name: string): DeviceInfo {
    try {
      const d = this.hb.device(name);
      this.flushWarnings();
      return d;
    } catch (e) {
      this.flushWarnings(e);
      throw e;
    }
  }

  eeprom(name: string): Promise<EepromHandle> {
    return this.hb.openEeprom(this.device(name).name);
  }

  /**
   * Before a command changes a real chip (any backend but the simulated one): asks on the
   * terminal, or requires `--yes` when there is no terminal to ask on. `what` says what is about to
   * happen ("write 300 bytes at 0x0..0x12b"). Returns when the answer is yes; throws otherwise,
   * before any byte is written.
   */
  async confirm(dev: DeviceInfo, what: string): Promise<void> {
    if (dev.simulated || this.options.yes) return;
    const chip = `${dev.name} (${dev.config?.part ?? dev.config?.kind.toUpperCase() ?? 'device'} on ${dev.bus}, ${dev.backend})`;
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new UsageError('EPERM', `${chip} is a real chip and this would ${what}; nothing was written. There is no terminal to ask on: add --yes to go ahead`);
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
    let answer: string;
    try {
      process.stderr.write(`${chip} is a real chip: ${what}? [y/N] `);
      answer = await new Promise<string>((resolve, reject) => {
        const onAbort = (): void => reject(new CommandError('ECANCELED', `cancelled; nothing was written to ${dev.name}`, this.interruptedExit));
        this.signal.addEventListener('abort', onAbort, { once: true });
        rl.once('line', (line) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(line);
        });
        rl.once('close', () => {
          this.signal.removeEventListener('abort', onAbort);
          resolve('');
        });
      });
    } finally {
      rl.close();
    }
    if (!/^\s*y(es)?\s*$/i.test(answer)) throw new CommandError('ECANCELED', `not confirmed; nothing was written to ${dev.name}`, EXIT.FAILED);
  }
}
