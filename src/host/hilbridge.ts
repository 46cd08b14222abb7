/**
 * The library API: `boot()` a board and use its EEPROMs as typed async objects.
 *
 * Runs in the kernel's process. `openEeprom(name)` does not touch the bus itself: it talks to the
 * user-mode driver thread that serves the device, over the kernel's IPC, so every byte still goes
 * through the permission-checked syscall layer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TransportKind } from '../abi/boot-info';
import { type ErrnoCode, HilError } from '../abi/errno';
import { loadTree } from '../devicetree';
import type { Clock } from '../hal/clock';
import { type DeviceInfo, Kernel, type ThreadInfo } from '../kernel/kernel';
import { packageRoot } from '../kernel/paths';
import { replyError } from '../user/ipc';
import { EepromClient } from '../userdrivers/eeprom-service';

/**
 * The caller's configuration is wrong (a board file that does not exist, an image for a device
 * the board lacks): nothing was touched. The CLI reports it as a usage error.
 */
export class ConfigError extends HilError {
  constructor(code: ErrnoCode, message: string) {
    super(code, message);
    this.name = 'ConfigError';
  }
}

export interface BootConfig {
  /** Board file (.dts or .dtb); default: the embedded mock board, dts/mock.dts. */
  readonly board?: string | undefined;
  /** Device name → image file backing that mock device (`--image NAME=FILE`). */
  readonly images?: Readonly<Record<string, string>> | undefined;
  /** Syscall transport of the driver threads (default "sync"). */
  readonly transport?: TransportKind | undefined;
  readonly clock?: Clock | undefined;
  /** Serial port of a serprog programmer, overriding the board's `port` (`--port`). */
  readonly serialPort?: string | undefined;
  /** Extra include directories for the board's #include lines. */
  readonly includeDirs?: readonly string[] | undefined;
}

export interface BoardInfo {
  readonly board: string;
  readonly model: string;
  readonly buses: readonly { name: string; path: string; backend: string }[];
  readonly devices: readonly DeviceInfo[];
}

/** The embedded default board. */
export function defaultBoard(): string {
  return join(packageRoot(), 'dts', 'mock.dts');
}

export class Hilbridge {
  private constructor(
    readonly kernel: Kernel,
    readonly board: string,
  ) {}

  static async boot(cfg: BootConfig = {}): Promise<Hilbridge> {
    const board = cfg.board ?? defaultBoard();
    if (!existsSync(board)) throw new ConfigError('ENOENT', `board file ${board} does not exist; pass --board with a .dts or .dtb file`);
    const tree = loadTree(board, { includeDirs: [...(cfg.includeDirs ?? []), join(packageRoot(), 'dts')] });
    const images = new Map(Object.entries(cfg.images ?? {}));
    const kernel = await Kernel.boot({
      tree,
      images,
      transport: cfg.transport ?? 'sync',
      serialPort: cfg.serialPort,
      ...(cfg.clock ? { clock: cfg.clock } : {}),
    });
    const known = new Set(kernel.devices().map((d) => d.name));
    const unknown = [...images.keys()].filter((n) => !known.has(n));
    if (unknown.length) {
      await kernel.shutdown();
      throw new ConfigError('ENOENT', `--image names ${unknown.join(', ')}, but the board has no such device (devices: ${[...known].join(', ')})`);
    }
    const real = kernel.devices().filter((d) => images.has(d.name) && !d.bus.startsWith('mock-'));
    if (real.length) {
      await kernel.shutdown();
      throw new ConfigError('EINVAL', `--image backs simulated parts only; ${real.map((d) => `${d.name} is on ${d.bus}`).join(', ')} (a real chip): use dump/write with a file instead`);
    }
    return new Hilbridge(kernel, board);
  }

  info(): BoardInfo {
    return { board: this.board, model: this.kernel.model, buses: this.kernel.buses, devices: this.kernel.devices() };
  }

  ps(): ThreadInfo[] {
    return this.kernel.ps();
  }

  /** The EEPROM API of a device, by devicetree label or path, served by its driver thread. */
  async openEeprom(name: string): Promise<EepromClient> {
    const dev = this.kernel.devices().find((d) => d.name === name || d.path === name);
    if (!dev) {
      throw new HilError('ENOENT', `no device named "${name}" on this board; devices: ${this.kernel.devices().map((d) => d.name).join(', ')}`);
    }
    if (!dev.servedBy) throw new HilError('ENODEV', `${dev.name} has no driver thread; declare one in the board's threads node`);
    return EepromClient.open(dev.name, async (msg) => {
      const r = await this.kernel.call(dev.name, msg);
      if (r.status < 0) throw replyError(r.status, r.reply);
      return r.reply;
    });
  }

  async shutdown(): Promise<void> {
    await this.kernel.shutdown();
  }
}

export function boot(cfg: BootConfig = {}): Promise<Hilbridge> {
  return Hilbridge.boot(cfg);
}
