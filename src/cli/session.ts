/**
 * One command's run against a board: the global options, booting (and always shutting down) the
 * library, finding a device, and turning Ctrl-C, SIGTERM and SIGHUP into an AbortSignal that long
 * operations honour between pages (a second signal quits at once). The signals are claimed before
 * the board boots: one that arrives while it starts stops the command before any device is used.
 */
import { existsSync } from 'node:fs';
import { boot, type DeviceInfo, type EepromHandle, type Hilbridge, type TransportKind, defaultBoard } from '../index';
import { CommandError, UsageError } from './errors';
import { claimSignals, type CliSignal, SIGNALS, SIGNO } from './signals';

export interface GlobalOptions {
  readonly board?: string | undefined;
  readonly image: readonly string[];
  readonly json: boolean;
  readonly debug: boolean;
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

/** The board file these options select, refused early (exit 2) if it does not exist. */
export function boardPath(g: GlobalOptions): string {
  const board = g.board ?? defaultBoard();
  if (!existsSync(board)) {
    const from = process.env.HILBRIDGE_BOARD === g.board && g.board !== undefined ? 'HILBRIDGE_BOARD' : '--board';
    throw new UsageError('ENOENT', `board file ${board} (from ${from}) does not exist; give a .dts or .dtb file, or leave it out for the embedded mock board`);
  }
  return board;
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
  static async run<T>(g: GlobalOptions, fn: (s: Session) => Promise<T>): Promise<T> {
    const board = boardPath(g);
    const images = parseImages(g.image);
    const interrupts = new Interrupts();
    interrupts.install();
    try {
      const hb = await boot({ board, images, transport: g.transport, serialPort: g.port });
      try {
        const sig = interrupts.stoppedBy;
        if (sig) {
          throw new CommandError('ECANCELED', `${sig} arrived while the board was starting; stopped before touching any device: nothing was read or written`, 128 + SIGNO[sig], {
            done: 0,
          });
        }
        return await fn(new Session(hb, g, interrupts));
      } finally {
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

  /** Fires on the first signal. */
  get signal(): AbortSignal {
    return this.interrupts.abort.signal;
  }

  /** Exit code for an operation the signal stopped. */
  get interruptedExit(): number {
    return 128 + SIGNO[this.stoppedBy ?? 'SIGINT'];
  }

  device(name: string): DeviceInfo {
    return this.hb.device(name);
  }

  eeprom(name: string): Promise<EepromHandle> {
    return this.hb.openEeprom(name);
  }
}
