/**
 * Builds the kernel's devices from a devicetree: validates the tree against the bindings, opens
 * each controller through the backend its compatible selects (board/backend.ts), makes one kernel
 * object per enabled EEPROM node and per control line (`wp-gpios`, `hold-gpios`), and reads the
 * declared memory partitions and user threads.
 *
 * Control lines are claimed at boot in their safe state — WP asserted (the chip protected), HOLD
 * inactive — before any bus traffic; a GPIO controller is opened only when a line names it. A
 * line that cannot be claimed (no such chip or line, held by another process, no permission)
 * makes its device unavailable with that reason rather than letting it run unprotected.
 *
 * The board file chooses the hardware; this code only follows it, and knows no backend by name:
 * a simulated GPIO line reaches a simulated part's pin through the HAL's optional `wire`/`pins`.
 * Decoding of properties is the devicetree module's job (its typed accessors). A controller that
 * cannot be opened (a missing /dev node, an absent programmer) does not stop the others: its
 * devices are reported unavailable with the reason, and the rest of the board still works.
 */
import { at24AddressSpan, type EepromConfig } from '../../abi/device-config';
import { type ErrnoCode, HilError, toHilError } from '../../abi/errno';
import type { ThreadSpec } from '../../abi/thread-spec';
import {
  at24Config,
  at25Config,
  chipSelect,
  compatibles,
  controllerInfo,
  type DtNode,
  type DtTree,
  eepromFamily,
  eepromPart,
  enabledPath,
  FAMILY_COMPATIBLE,
  formatDiagnostics,
  gpioSpec,
  nodeName,
  nodePath,
  propString,
  propU32,
  userThreads,
  validateTree,
  walk,
} from '../../devicetree';
import type { GpioController } from '../../hal/gpio';
import type { I2cController } from '../../hal/i2c';
import type { SpiController } from '../../hal/spi';
import { BusArbiter } from '../bus-arbiter';
import type { GpioObject, I2cDeviceObject, SpiDeviceObject } from '../kobjects';
import type { ObjectTable } from '../objects';
import { BackendConfigError, type BackendContext, type BackendRegistry, type I2cPart, type SpiPart } from './backend';

/**
 * Hardware the board describes that is not there or cannot be opened (a missing /dev node, no
 * permission, an absent programmer, a native package that did not build): the board itself is
 * fine. A device on such a controller fails with this when used.
 */
export class UnavailableError extends HilError {
  constructor(code: ErrnoCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UnavailableError';
  }
}

/** The EEPROM family hilbridge drives on each bus. */
const SPI_EEPROM = 'at25';
const I2C_EEPROM = 'at24';

export interface BusEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: 'spi' | 'i2c' | 'gpio';
  /** The backend's short name ("mock", "spidev", …). */
  readonly backend: string;
  readonly simulated: boolean;
  readonly controller: SpiController | I2cController | GpioController;
}

/** A controller that could not be opened, and the devices it would have carried. */
export interface UnavailableBus {
  readonly name: string;
  readonly path: string;
  readonly kind: 'spi' | 'i2c';
  readonly backend: string;
  readonly devices: readonly string[];
  readonly error: HilError;
}

export interface Board {
  readonly model: string;
  readonly buses: BusEntry[];
  readonly unavailable: UnavailableBus[];
  readonly spiDevices: SpiDeviceObject[];
  readonly i2cDevices: I2cDeviceObject[];
  /** Control lines of devices (an EEPROM's `wp-gpios`), named "<device>-wp". */
  readonly gpioLines: GpioObject[];
  readonly threads: ThreadSpec[];
  readonly partitions: { name: string; size: number }[];
  /** Things the board asks for that hilbridge cannot do (unknown compatibles, undrivable lines). */
  readonly warnings: string[];
  /** Nodes that look like parts but are not devices, and why: a name that finds one is explained. */
  readonly ignored: IgnoredNode[];
  close(): Promise<void>;
}

/** A node of the board that is not a device hilbridge can use (unknown compatible, no backend for its bus). */
export interface IgnoredNode {
  readonly path: string;
  readonly labels: readonly string[];
  readonly why: string;
}

export async function buildBoard(tree: DtTree, objects: ObjectTable, registry: BackendRegistry, ctx: BackendContext): Promise<Board> {
  // A node that does not match its binding is left out (with its children), the error kept as a
  // warning: the rest of the board still works, and `info` shows what is wrong.
  const checked = validateTree(tree);
  const broken = new Set(checked.errors.map((e) => e.path));
  const isBroken = (n: DtNode): boolean => {
    for (let p: DtNode | undefined = n; p; p = p.parent) if (broken.has(nodePath(p))) return true;
    return false;
  };
  const buses: BusEntry[] = [];
  const board: Board = {
    model: tree.root.props.has('model') ? (propString(tree.root, 'model') ?? '') : '',
    buses,
    unavailable: [],
    spiDevices: [],
    i2cDevices: [],
    gpioLines: [],
    threads: [],
    partitions: [],
    warnings: [...checked.errors.map((e) => `${formatDiagnostics([e], 'error')} (so ${e.path} is not used)`), ...checked.warnings.map((w) => w.message)],
    ignored: [],
    close: async () => {
      await Promise.allSettled(buses.map((b) => b.controller.close()));
    },
  };
  const gpioNodes = new Map<DtNode, { open: () => Promise<GpioController>; entry: Omit<BusEntry, 'controller'> }>();
  try {
    for (const node of walk(tree.root)) {
      if (!enabledPath(node) || isBroken(node)) continue;
      const backend = registry.find(compatibles(node));
      if (compatibles(node).includes('hilbridge,partition')) {
        board.partitions.push({ name: nodeName(node), size: propU32(node, 'size') ?? 4096 });
      }
      if (!backend) {
        ignoreOrphans(board, node, registry);
        continue;
      }
      const info = controllerInfo(node);
      const entry = { name: info.name, path: info.path, kind: backend.bus, backend: backend.name, simulated: backend.simulated };
      if (backend.bus === 'gpio') {
        gpioNodes.set(node, { open: () => backend.open(node, ctx), entry });
      } else if (backend.bus === 'spi') {
        const parts = usable(board, eepromChildren(board, node, SPI_EEPROM, isBroken), (c) => ({ node: c, chipSelect: chipSelect(c), config: at25Config(c) }));
        const c = await openOr(board, entry, parts, () => backend.open(node, parts, ctx));
        if (c) await addSpiDevices(board, objects, c, { ...entry, controller: c }, parts);
      } else {
        const parts = usable(board, eepromChildren(board, node, I2C_EEPROM, isBroken), (c) => ({ node: c, config: at24Config(c) }));
        const c = await openOr(board, entry, parts, () => backend.open(node, parts, ctx));
        if (c) {
          buses.push({ ...entry, controller: c });
          addI2cDevices(board, objects, c, info.name, parts);
        }
      }
    }
    await addControlLines(board, objects, tree, gpioNodes);
    board.threads.push(...userThreads(tree));
  } catch (e) {
    await board.close();
    throw e;
  }
  return board;
}

/** Enabled children that are EEPROMs of this bus; any other enabled child is a warning. */
function eepromChildren(board: Board, bus: DtNode, family: 'at25' | 'at24', isBroken: (n: DtNode) => boolean): DtNode[] {
  const out: DtNode[] = [];
  for (const c of bus.children) {
    if (!enabledPath(c) || !c.props.has('compatible') || isBroken(c)) continue;
    const found = eepromFamily(c);
    if (found === family) {
      out.push(c);
      continue;
    }
    const named = `compatible "${compatibles(c).join('", "')}"`;
    const part = eepromPart(c);
    const why =
      found !== undefined
        ? `${named} is an ${found === 'at24' ? 'I2C' : 'SPI'} EEPROM${part ? ` (${part.name})` : ''}, but ${nodePath(bus)} is an ${family === 'at24' ? 'I2C' : 'SPI'} bus`
        : `${named} names no part hilbridge drives`;
    // This says more than the bindings' "no binding for compatible …" about the same node.
    const generic = board.warnings.findIndex((w) => w.startsWith(`${nodePath(c)}: no binding for compatible`));
    if (generic >= 0) board.warnings.splice(generic, 1);
    board.warnings.push(
      `${nodePath(c)}: ${why}; an EEPROM here needs a part's compatible (e.g. "${family === 'at25' ? 'atmel,at25256' : 'atmel,24c256'}", see \`hilbridge parts\`) ` +
        `or "${FAMILY_COMPATIBLE[family]}" with size, pagesize and address-width`,
    );
  }
  return out;
}

/** The parts whose configuration can be read; a node that gives an impossible one (a page larger than the chip) is left out with a warning. */
function usable<P>(board: Board, nodes: readonly DtNode[], config: (node: DtNode) => P): P[] {
  const out: P[] = [];
  for (const n of nodes) {
    try {
      out.push(config(n));
    } catch (e) {
      board.warnings.push(`${toHilError(e).message} (so ${nodePath(n)} is not used)`);
    }
  }
  return out;
}

/** EEPROM nodes under a node no backend drives (an unknown or misspelt controller compatible). */
function ignoreOrphans(board: Board, node: DtNode, registry: BackendRegistry): void {
  const parts = node.children.filter((c) => enabledPath(c) && eepromFamily(c) !== undefined);
  if (parts.length === 0) return;
  const known = registry
    .all()
    .filter((b) => b.bus !== 'gpio')
    .map((b) => b.compatible)
    .join(', ');
  const has = compatibles(node);
  const problem = `compatible ${has.length ? `"${has.join('", "')}"` : '(none)'} no backend drives (known controllers: ${known})`;
  const why = `it sits on ${nodePath(node)}, whose ${problem}`;
  board.warnings.push(`${nodePath(node)}: ${problem}; its parts cannot be used`);
  for (const c of parts) board.ignored.push({ path: nodePath(c), labels: c.labels, why });
}

/** Opens a controller; a failure makes its devices unavailable (with the reason) instead of failing the board. */
async function openOr<C>(
  board: Board,
  entry: { name: string; path: string; kind: 'spi' | 'i2c' | 'gpio'; backend: string },
  parts: readonly (SpiPart | I2cPart)[],
  open: () => Promise<C>,
): Promise<C | undefined> {
  try {
    return await open();
  } catch (e) {
    // A backend's configuration (a mock part's --image) is the user's mistake, not an absent controller.
    if (e instanceof BackendConfigError) throw e;
    const error = toHilError(e);
    const devices = parts.map((p) => p.config.name);
    board.unavailable.push({ ...entry, kind: entry.kind === 'i2c' ? 'i2c' : 'spi', devices, error });
    board.warnings.push(`${entry.path} (${entry.backend}) cannot be opened, so ${devices.join(', ') || 'its devices'} cannot be used: ${error.message}`);
    return undefined;
  }
}

/**
 * Opens each chip select of an SPI controller (a spidev controller opens /dev/spidevB.C here). A
 * chip select that cannot be opened leaves its device unavailable with the reason; when none can,
 * the controller counts as not opened at all.
 */
async function addSpiDevices(board: Board, objects: ObjectTable, controller: SpiController, bus: BusEntry, parts: readonly SpiPart[]): Promise<void> {
  const arbiter = new BusArbiter(controller.name);
  const opened: { part: SpiPart; hal: Awaited<ReturnType<SpiController['openDevice']>> }[] = [];
  const failed: { part: SpiPart; error: HilError }[] = [];
  for (const part of parts) {
    try {
      opened.push({ part, hal: await controller.openDevice({ chipSelect: part.chipSelect, mode: part.config.mode, maxSpeedHz: part.config.maxSpeedHz }) });
    } catch (e) {
      // A backend's configuration (a mock part's --image) is the user's mistake, not an absent chip select.
      if (e instanceof BackendConfigError) throw e;
      failed.push({ part, error: toHilError(e) });
    }
  }
  const entry = { name: bus.name, path: bus.path, kind: 'spi' as const, backend: bus.backend };
  if (opened.length === 0 && failed.length > 0) {
    await controller.close().catch(() => undefined);
    const error = failed[0]!.error;
    const devices = failed.map((f) => f.part.config.name);
    board.unavailable.push({ ...entry, devices, error });
    board.warnings.push(`${bus.path} (${bus.backend}) cannot be opened, so ${devices.join(', ')} cannot be used: ${error.message}`);
    return;
  }
  board.buses.push(bus);
  for (const { part, error } of failed) {
    board.unavailable.push({ ...entry, devices: [part.config.name], error });
    board.warnings.push(`${part.config.path} on ${bus.path} (${bus.backend}) cannot be opened, so ${part.config.name} cannot be used: ${error.message}`);
  }
  for (const { part, hal } of opened) {
    const { node: c, chipSelect: cs, config } = part;
    board.spiDevices.push(
      objects.insert<SpiDeviceObject>({
        type: 'spi_device',
        name: nodeName(c),
        path: nodePath(c),
        bus: bus.name,
        handle: 0,
        hal,
        arbiter,
        chipSelect: cs,
        maxSpeedHz: config.maxSpeedHz,
        config,
        pins: controller.pins?.(cs),
      }),
    );
  }
}

function addI2cDevices(board: Board, objects: ObjectTable, controller: I2cController, busName: string, parts: readonly I2cPart[]): void {
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, config } of parts) {
    board.i2cDevices.push(
      objects.insert<I2cDeviceObject>({
        type: 'i2c_device',
        name: nodeName(c),
        path: nodePath(c),
        bus: busName,
        handle: 0,
        hal: controller,
        arbiter,
        address: config.address,
        addressCount: i2cAddressCount(config),
        config,
        pins: controller.pins?.(config.address),
      }),
    );
  }
}

/** The control lines hilbridge knows: which property, what "asserted" protects, the safe state. */
const LINES = [
  { role: 'wp', prop: 'wp-gpios', safe: 1 },
  { role: 'hold', prop: 'hold-gpios', safe: 0 },
] as const;

/**
 * Claims each device's control lines and makes a GPIO object of each. Values through the gpio
 * syscalls are logical (1 = asserted); the specifier's active-low flag maps them to physical
 * levels. A line on a simulated controller is wired to the simulated part's pin first, so the part
 * sees the safe level from the start.
 */
async function addControlLines(
  board: Board,
  objects: ObjectTable,
  tree: DtTree,
  gpioNodes: ReadonlyMap<DtNode, { open: () => Promise<GpioController>; entry: Omit<BusEntry, 'controller'> }>,
): Promise<void> {
  const byPath = new Map<string, DtNode>();
  for (const n of walk(tree.root)) byPath.set(nodePath(n), n);
  const opened = new Map<DtNode, Promise<GpioController>>();
  const controllerOf = (node: DtNode): Promise<GpioController> | undefined => {
    const g = gpioNodes.get(node);
    if (!g) return undefined;
    let p = opened.get(node);
    if (!p) {
      p = g.open().then((c) => {
        board.buses.push({ ...g.entry, controller: c });
        return c;
      });
      opened.set(node, p);
    }
    return p;
  };
  for (const dev of [...board.spiDevices, ...board.i2cDevices]) {
    const node = byPath.get(dev.path)!;
    const made: GpioObject[] = [];
    try {
      for (const l of LINES) {
        const spec = gpioSpec(tree, node, l.prop);
        if (!spec) continue;
        const controllerP = controllerOf(spec.controller);
        if (!controllerP) {
          board.warnings.push(
            `${dev.path}: ${l.prop} names ${nodePath(spec.controller)} (${compatibles(spec.controller).join(', ') || 'no compatible'}), which no GPIO backend drives; ` +
              (l.role === 'wp' ? 'tie WP to its inactive level in the wiring' : 'tie HOLD high in the wiring'),
          );
          continue;
        }
        const controller = await controllerP;
        const physical = (logical: 0 | 1): 0 | 1 => ((logical === 1) !== spec.activeLow ? 1 : 0);
        const pin = dev.pins?.[l.role];
        if (pin) controller.wire?.(spec.line, pin);
        const handle = await controller.request(spec.line, { consumer: `hilbridge ${dev.name}-${l.role}`, direction: 'output', initial: physical(l.safe) });
        made.push(
          objects.insert<GpioObject>({
            type: 'gpio',
            name: `${dev.name}-${l.role}`,
            path: `${dev.path}:${l.prop}`,
            device: dev.name,
            role: l.role,
            safeLevel: l.safe,
            lastDriver: undefined,
            handle: 0,
            get: async () => ((await handle.get()) === physical(1) ? 1 : 0),
            set: (value) => handle.set(physical(value)),
            park: () => handle.reconfigure({ direction: 'input', bias: physical(l.safe) === 0 ? 'pull-down' : 'pull-up' }),
            release: () => handle.release(),
          }),
        );
      }
      board.gpioLines.push(...made);
    } catch (e) {
      for (const m of made) {
        objects.remove(m);
        await m.release().catch(() => undefined);
      }
      makeUnavailable(board, objects, dev, toHilError(e));
    }
  }
}

/** A device whose control lines cannot be claimed is not used at all: it stays unavailable, with the reason. */
function makeUnavailable(board: Board, objects: ObjectTable, dev: SpiDeviceObject | I2cDeviceObject, error: HilError): void {
  const list: (SpiDeviceObject | I2cDeviceObject)[] = dev.type === 'spi_device' ? board.spiDevices : board.i2cDevices;
  list.splice(list.indexOf(dev), 1);
  objects.remove(dev);
  const bus = board.buses.find((b) => b.name === dev.bus);
  board.unavailable.push({ name: dev.bus, path: bus?.path ?? dev.bus, kind: dev.type === 'spi_device' ? 'spi' : 'i2c', backend: bus?.backend ?? 'unknown', devices: [dev.name], error: new HilError(error.code, `its control line cannot be claimed: ${error.message}`) });
  board.warnings.push(`${dev.path}: not used, because its control line cannot be claimed: ${error.message}`);
}

/** Small AT24 parts answer on several addresses: block-select bits take address pins. */
function i2cAddressCount(config: EepromConfig): number {
  return config.kind === 'at24' ? at24AddressSpan(config) : 1;
}
