/**
 * The library API: `boot()` a board, then use its EEPROMs as typed async objects and look at the
 * board, its threads and its counters.
 *
 * Runs in the kernel's process. `openEeprom(name)` does not touch the bus itself: it talks to the
 * user-mode driver thread that serves the device, over the kernel's IPC, so every byte still goes
 * through the permission-checked syscall layer. One booted instance may serve many callers at
 * once; nothing here assumes one process per command.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TransportKind } from '../abi/boot-info';
import { HilError, toHilError } from '../abi/errno';
import { makeDispatcher, replyError } from '../abi/ipc-interface';
import { EEPROM_IFACE } from '../abi/eeprom-iface';
import { LEASE_READ, LEASE_WRITE } from '../abi/lease';
import { compatibles, type DtNode, type DtTree, eepromFamily, enabledPath, findByLabel, loadTree, nodePath, propString, walk } from '../devicetree';
import type { Clock } from '../hal/clock';
import { kernelDriverEnv } from '../kernel/inkernel';
import { type BusInfo, type DeviceInfo, Kernel, type KernelEvent, type ThreadInfo, UnavailableError } from '../kernel/kernel';
import type { LogLevel } from '../kernel/console';
import { packageRoot } from '../kernel/paths';
import { eepromService, openDriver } from '../userdrivers/eeprom-server';
import type { Eeprom } from '../userdrivers/eeprom';
import { EepromHandle } from './eeprom';
import { ArgumentError, ConfigError } from './errors';

export interface BootConfig {
  /**
   * Board file (.dts or .dtb), or the name of a board shipped with hilbridge ("rpi-at25", see
   * shippedBoards()); default: the embedded mock board, dts/mock.dts.
   */
  readonly board?: string | undefined;
  /** Device name → image file backing that simulated device (`--image NAME=FILE`). */
  readonly images?: Readonly<Record<string, string>> | undefined;
  /** Syscall transport of the driver threads (default: as the board says, else "sync"). */
  readonly transport?: TransportKind | undefined;
  readonly clock?: Clock | undefined;
  /** Serial port of a serprog programmer, overriding the board's `port` (`--port`). */
  readonly serialPort?: string | undefined;
  /** Extra include directories for the board's #include lines. */
  readonly includeDirs?: readonly string[] | undefined;
  /** Start the threads the board declares (default true; they start on first use where the board says so). */
  readonly startThreads?: boolean | undefined;
}

export interface BoardInfo {
  readonly board: string;
  readonly model: string;
  readonly buses: readonly BusInfo[];
  readonly devices: readonly DeviceInfo[];
  /** Devices the board describes on controllers (or chip selects) that could not be opened. */
  readonly unavailable: readonly { readonly device: string; readonly bus: string; readonly backend: string; readonly error: { readonly code: string; readonly message: string } }[];
  /** Things the board asks for that hilbridge cannot do. */
  readonly warnings: readonly string[];
}

export interface Stats {
  readonly syscalls: number;
  readonly denials: number;
  readonly faults: number;
  readonly bySyscall: Readonly<Record<string, number>>;
  /** Data bytes the kernel copied between memories (IPC messages and replies, mem_copy). */
  readonly bytesCopied: number;
}

/** hilbridge's version, from its package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** The embedded default board. */
export function defaultBoard(): string {
  return join(packageRoot(), 'dts', 'mock.dts');
}

/** A board file that ships with hilbridge, usable by name (`--board rpi-at25`). */
export interface ShippedBoard {
  readonly name: string;
  readonly path: string;
  /** The board's `model` (from its first line of that form), or "". */
  readonly model: string;
}

/** The boards in the package's dts/ directory, by name. */
export function shippedBoards(): ShippedBoard[] {
  const dir = join(packageRoot(), 'dts');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.dts')).sort();
  } catch {
    return [];
  }
  return names.map((f) => {
    const path = join(dir, f);
    let model = '';
    try {
      model = /^\s*model\s*=\s*"([^"]*)"/m.exec(readFileSync(path, 'utf8'))?.[1] ?? '';
    } catch {
      /* unreadable: listed without a model */
    }
    return { name: basename(f, '.dts'), path, model };
  });
}

/**
 * The board file `board` names: an existing file as it is, else a shipped board by name
 * ("rpi-at25" or "rpi-at25.dts"). Anything else is a ConfigError (ENOENT) listing the shipped boards.
 */
export function resolveBoard(board: string | undefined): string {
  if (board === undefined) return defaultBoard();
  if (existsSync(board)) {
    if (statSync(board).isDirectory()) throw new ConfigError('EINVAL', `board ${board} is a directory; give a .dts or .dtb file, or a shipped board's name`);
    return board;
  }
  const name = basename(board).replace(/\.dts$/, '');
  const shipped = shippedBoards();
  const hit = board === name || board === `${name}.dts` ? shipped.find((b) => b.name === name) : undefined;
  if (hit) return hit.path;
  throw new ConfigError(
    'ENOENT',
    `board file ${board} does not exist, and no board of that name ships with hilbridge (shipped: ${shipped.map((b) => b.name).join(', ') || 'none'}); ` +
      'give a .dts or .dtb file, a shipped board\'s name, or write one with: hilbridge board new',
  );
}

/** Whether the file is a DTB (its first four bytes are the FDT magic). */
function isDtbFile(path: string): boolean {
  try {
    const b = readFileSync(path);
    return b.length >= 4 && b.readUInt32BE(0) === 0xd00dfeed;
  } catch {
    return false;
  }
}

export class Hilbridge {
  private constructor(
    /** The kernel, for programs that spawn user threads of their own. */
    readonly kernel: Kernel,
    readonly board: string,
    private readonly tree: DtTree,
  ) {}

  /**
   * Boots a board. Everything wrong with the configuration (a board file that is missing, does
   * not parse or does not match its bindings, a thread or grant it cannot honour, an --image that
   * does not fit) is a ConfigError: nothing was touched. A controller that cannot be opened is not
   * an error here; its devices fail when used (UnavailableError).
   */
  static async boot(cfg: BootConfig = {}): Promise<Hilbridge> {
    const board = resolveBoard(cfg.board);
    let tree: DtTree;
    try {
      tree = loadTree(board, { includeDirs: [...(cfg.includeDirs ?? []), join(packageRoot(), 'dts')] });
    } catch (e) {
      throw asConfigError(e);
    }
    const images = new Map(Object.entries(cfg.images ?? {}));
    for (const [name, file] of images) {
      const dir = dirname(file);
      if (!existsSync(dir)) throw new ConfigError('ENOENT', `--image ${name}=${file}: the directory ${dir} does not exist; create it or choose another path`);
    }
    let kernel: Kernel;
    try {
      kernel = await Kernel.boot({
        tree,
        images,
        serialPort: cfg.serialPort,
        ...(cfg.transport ? { transport: cfg.transport } : {}),
        ...(cfg.clock ? { clock: cfg.clock } : {}),
        ...(cfg.startThreads === false ? { startThreads: false } : {}),
      });
    } catch (e) {
      // The kernel's boot validates the board; only absent hardware is not the configuration's fault.
      throw e instanceof HilError && !(e instanceof UnavailableError) ? asConfigError(e) : e;
    }
    const hb = new Hilbridge(kernel, board, tree);
    try {
      for (const name of images.keys()) {
        let dev: DeviceInfo;
        try {
          dev = hb.device(name);
        } catch (e) {
          // A device the board names but cannot use says why (its node's own error); any other name lists the devices.
          if (e instanceof HilError && e.code !== 'ENOENT') throw asConfigError(e);
          throw new ConfigError('ENOENT', `--image names ${name}, but the board has no such device (devices: ${kernel.devices().map((d) => d.name).join(', ') || 'none'})`);
        }
        if (!dev.simulated) {
          throw new ConfigError('EINVAL', `--image backs simulated parts only; ${dev.name} is on ${dev.bus} via ${dev.backend} (a real chip): use dump/write with a file instead`);
        }
      }
    } catch (e) {
      // A simulated bus fails to open only over its image files (wrong size, not a file): the
      // caller's configuration, not the board's.
      const gone = e instanceof HilError ? kernel.unavailable().find((u) => u.devices.some((d) => images.has(d)) && kernel.buses().some((b) => b.name === u.name && b.backend === 'mock')) : undefined;
      await kernel.shutdown();
      if (gone) throw new ConfigError(gone.error.code, `--image: ${gone.error.message}`);
      throw e;
    }
    return hb;
  }

  info(): BoardInfo {
    const unavailable = this.kernel
      .unavailable()
      .flatMap((u) => u.devices.map((device) => ({ device, bus: u.name, backend: u.backend, error: { code: u.error.code, message: u.error.message } })));
    return { board: this.board, model: this.kernel.model, buses: this.kernel.buses(), devices: this.kernel.devices(), unavailable, warnings: this.kernel.warnings };
  }

  /**
   * A device by devicetree label or path. An unknown name is an ArgumentError listing the
   * devices; a device on a bus that could not be opened fails with that bus's error.
   */
  device(name: string): DeviceInfo {
    try {
      return this.kernel.device(name);
    } catch (e) {
      // Absent hardware is not the caller's mistake: its UnavailableError stands as it is.
      if (!(e instanceof HilError) || e instanceof UnavailableError) throw e;
      if (e.code === 'ENOENT') {
        const why = this.whyNoDevice(name);
        if (why instanceof HilError) throw why;
        throw new ArgumentError('ENOENT', why ?? e.message);
      }
      // Any other name that finds no usable device is the caller's (or the board's) mistake.
      throw new ArgumentError(e.code, e.message);
    }
  }

  /**
   * Why `name` is no device of this board, when the board can say more than "no such name": a
   * node that is disabled or that hilbridge cannot drive (a ConfigError with the board's own
   * warning), or a label asked of a DTB that was compiled without labels.
   */
  private whyNoDevice(name: string): HilError | string | undefined {
    const node: DtNode | undefined = name.startsWith('/') ? [...walk(this.tree.root)].find((n) => nodePath(n) === name) : findByLabel(this.tree, name);
    const usable = this.kernel.devices().map((d) => `${d.name} (${d.path})`);
    const list = usable.length ? `devices: ${usable.join(', ')}` : 'the board has no device hilbridge can use (see hilbridge info)';
    if (!node) {
      const anyLabel = [...walk(this.tree.root)].some((n) => n.labels.length > 0);
      if (!name.startsWith('/') && !anyLabel && isDtbFile(this.board)) {
        return (
          `no device "${name}": ${this.board} is a DTB without labels (compiled without -@), so devices are named by path; ` +
          `${list}. To keep labels such as ${name}, compile the board with: hilbridge dt compile -@ (or dtc -@)`
        );
      }
      return undefined;
    }
    const path = nodePath(node);
    const label = node.labels[0] ? `${node.labels[0]} (${path})` : path;
    if (!enabledPath(node)) {
      return new ConfigError('ENODEV', `${label} is disabled in ${this.board} (status = "${propString(node, 'status') ?? 'disabled'}" on it or a parent node); set status = "okay" to use it`);
    }
    const said = this.kernel.warnings.filter((w) => w.includes(`${path}:`) || w.includes(`${path} `) || w.includes(`${path})`));
    if (said.length) return new ConfigError('ENODEV', `${label} cannot be used: ${said.join('; ')}`);
    if (eepromFamily(node) === undefined) {
      const c = node.props.has('compatible') ? compatibles(node).map((x) => `"${x}"`).join(', ') : 'no compatible';
      return new ConfigError('ENODEV', `${label} is not an EEPROM hilbridge drives (${c}); ${list}`);
    }
    return undefined;
  }

  ps(): ThreadInfo[] {
    return this.kernel.ps();
  }

  stats(): Stats {
    const s = this.kernel.stats;
    return { syscalls: s.syscalls, denials: s.denials, faults: s.faults, bySyscall: { ...s.bySyscall }, bytesCopied: this.kernel.bytesCopied };
  }

  events(): readonly KernelEvent[] {
    return this.kernel.events;
  }

  /** Console output of user programs (and warnings of their runtime). Returns the unsubscribe function. */
  onLog(fn: (thread: string, level: LogLevel, text: string) => void): () => void {
    this.kernel.on('log', fn);
    return () => this.kernel.off('log', fn);
  }

  /** The EEPROM API of a device, by devicetree label or path, served by its driver thread. */
  async openEeprom(name: string): Promise<EepromHandle> {
    const dev = this.device(name);
    if (!dev.config) throw new HilError('ENODEV', `${dev.name} is not an EEPROM hilbridge can drive`);
    if (!dev.servedBy) throw new HilError('ENODEV', `${dev.name} has no driver thread; declare one in the board's threads node`);
    return EepromHandle.open(dev.name, async (msg, leases) => {
      const r = await this.kernel.call(dev.name, msg, leases.map((l) => ({ bytes: l.buf, access: l.access })));
      if (r.status < 0) throw replyError(r.status, r.reply);
      return r.reply;
    });
  }

  /**
   * The EEPROM driver of a device running inside the kernel (no syscalls): the in-kernel
   * placement the benchmark compares with user mode, and what the hardware checks drive.
   */
  inKernelDriver(name: string): Eeprom {
    const dev = this.kernel.device(name);
    if (!dev.config) throw new HilError('ENODEV', `${dev.name} is not an EEPROM hilbridge can drive`);
    return openDriver(dev.config, this.kernel.deviceApi(dev.name), kernelDriverEnv(), { wp: this.line(dev.name, 'wp') });
  }

  /**
   * The control lines of a device (WP, HOLD) and whether each is asserted: read by the kernel
   * itself, whoever drives them.
   */
  async controlLines(name: string): Promise<{ role: 'wp' | 'hold'; asserted: boolean }[]> {
    const dev = this.device(name);
    const out: { role: 'wp' | 'hold'; asserted: boolean }[] = [];
    for (const role of ['wp', 'hold'] as const) {
      const l = this.line(dev.name, role);
      if (l) out.push({ role, asserted: (await l.get()) === 1 });
    }
    return out;
  }

  /** A device's WP or HOLD line, or undefined when the board gives it none. */
  private line(device: string, role: 'wp' | 'hold'): { get(): Promise<0 | 1>; set(v: 0 | 1): Promise<void> } | undefined {
    try {
      return this.kernel.lineApi(`${device}-${role}`);
    } catch {
      return undefined;
    }
  }

  /**
   * Serves a device's EEPROM endpoint with the in-kernel driver instead of a driver thread (Zephyr's
   * placement: user callers make one EEPROM-level call per operation). The device must have no
   * driver thread serving it (boot with `startThreads: false`, or a board without one).
   */
  serveInKernel(name: string): void {
    const dev = this.kernel.device(name);
    if (!dev.config) throw new HilError('ENODEV', `${dev.name} is not an EEPROM hilbridge can drive`);
    const env = kernelDriverEnv();
    const drv = openDriver(dev.config, this.kernel.deviceApi(dev.name), env, { wp: this.line(dev.name, 'wp') });
    const dispatch = makeDispatcher(EEPROM_IFACE, eepromService<KernelServerLease>(drv, dev.config, env, (l) => l.bytes));
    this.kernel.serveInKernel(dev.name, (msg, leases) =>
      dispatch(
        msg,
        leases.map((l) => ({ bytes: l.bytes, length: l.bytes.length, readable: (l.flags & LEASE_READ) !== 0, writable: (l.flags & LEASE_WRITE) !== 0 })),
      ),
    );
  }

  async shutdown(): Promise<void> {
    await this.kernel.shutdown();
  }
}

/** The same error, as a configuration error (the caller's board or options; nothing was touched). */
function asConfigError(e: unknown): ConfigError {
  if (e instanceof ConfigError) return e;
  const h = toHilError(e);
  const c = new ConfigError(h.code, h.message);
  if (h.stack) c.stack = `ConfigError: ${h.message}\n${h.stack.split('\n').slice(1).join('\n')}`;
  return c;
}

/** A lease as the in-kernel server sees it: the caller's memory itself. */
interface KernelServerLease {
  readonly bytes: Uint8Array;
  readonly length: number;
  readonly readable: boolean;
  readonly writable: boolean;
}

export function boot(cfg: BootConfig = {}): Promise<Hilbridge> {
  return Hilbridge.boot(cfg);
}

export { ConfigError };
