/**
 * One command's run against a board: the global options, booting (and always shutting down) the
 * kernel, finding a device by label or path, and turning Ctrl-C into an AbortSignal that long
 * operations honour between pages.
 */
import { existsSync } from 'node:fs';
import type { TransportKind } from '../abi/boot-info';
import { boot, defaultBoard, type Hilbridge } from '../host/hilbridge';
import type { DeviceInfo } from '../kernel/kernel';
import type { EepromClient } from '../userdrivers/eeprom-service';
import { UsageError } from './errors';

export interface GlobalOptions {
  readonly board?: string | undefined;
  readonly image: readonly string[];
  readonly json: boolean;
  readonly debug: boolean;
  readonly transport: TransportKind;
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

/** The device a user named, by devicetree label or path; a usage error lists what exists. */
export function findDevice(hb: Hilbridge, name: string): DeviceInfo & { config: NonNullable<DeviceInfo['config']> } {
  const devices = hb.info().devices;
  const dev = devices.find((d) => d.name === name || d.path === name);
  if (!dev) {
    const known = devices.map((d) => `${d.name} (${d.path})`).join(', ') || 'none';
    throw new UsageError('ENOENT', `no device "${name}" on this board; name one by label or path: ${known}`);
  }
  if (!dev.config) throw new UsageError('ENODEV', `${dev.name} is not an EEPROM this tool can drive`);
  return dev as DeviceInfo & { config: NonNullable<DeviceInfo['config']> };
}

export class Session {
  private readonly abort = new AbortController();
  private interrupts = 0;
  private readonly onSigint = (): void => {
    this.interrupts++;
    if (this.interrupts > 1) {
      process.stderr.write('hilbridge: interrupted again; exiting without waiting for the page in flight\n');
      process.exit(130);
    }
    process.stderr.write('\nhilbridge: interrupt: stopping after the page in flight (Ctrl-C again to quit at once)\n');
    this.abort.abort();
  };

  private constructor(
    readonly hb: Hilbridge,
    readonly options: GlobalOptions,
  ) {}

  /** Boots the board of `g`, runs `fn`, and shuts the kernel down whatever happens. */
  static async run<T>(g: GlobalOptions, fn: (s: Session) => Promise<T>): Promise<T> {
    const board = boardPath(g);
    const images = parseImages(g.image);
    const hb = await boot({ board, images, transport: g.transport, serialPort: g.port });
    const s = new Session(hb, g);
    process.on('SIGINT', s.onSigint);
    try {
      return await fn(s);
    } finally {
      process.off('SIGINT', s.onSigint);
      await hb.shutdown();
    }
  }

  /** Fires on the first Ctrl-C. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  device(name: string): ReturnType<typeof findDevice> {
    return findDevice(this.hb, name);
  }

  async eeprom(name: string): Promise<EepromClient> {
    return this.hb.openEeprom(this.device(name).name);
  }
}
