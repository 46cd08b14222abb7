/**
 * Builds the kernel's devices from a devicetree: validates the tree against the bindings, opens
 * each controller through the backend its compatible selects (board/backend.ts), makes one kernel
 * object per enabled EEPROM node and per control line (`wp-gpios`), and reads the declared memory
 * partitions and user threads.
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
  enabledPath,
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
import type { SpiController, SpiDevice } from '../../hal/spi';
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

/** Compatibles of the EEPROM nodes hilbridge drives, per bus. */
const SPI_EEPROM = 'atmel,at25';
const I2C_EEPROM = 'atmel,at24';

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
  const checked = validateTree(tree);
  if (checked.errors.length) throw new HilError('EINVAL', `the board does not match its bindings:\n${formatDiagnostics(checked.errors, 'error')}`);
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
    warnings: checked.warnings.map((w) => w.message),
    ignored: [],
    close: async () => {
      await Promise.allSettled(buses.map((b) => b.controller.close()));
    },
  };
  const gpios = new Map<DtNode, GpioController>();
  try {
    for (const node of walk(tree.root)) {
      if (!enabledPath(node)) continue;
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
      try {
        if (backend.bus === 'gpio') {
          const c = await backend.open(node, ctx);
          gpios.set(node, c);
          buses.push({ ...entry, controller: c });
        } else if (backend.bus === 'spi') {
          const parts = eepromChildren(board, node, SPI_EEPROM).map((c) => ({ node: c, chipSelect: chipSelect(c), config: at25Config(c) }));
          const c = await openOr(board, entry, parts, () => backend.open(node, parts, ctx));
          if (c) {
            buses.push({ ...entry, controller: c });
            await addSpiDevices(board, objects, c, info.name, parts);
          }
        } else {
          const parts = eepromChildren(board, node, I2C_EEPROM).map((c) => ({ node: c, config: at24Config(c) }));
          const c = await openOr(board, entry, parts, () => backend.open(node, parts, ctx));
          if (c) {
            buses.push({ ...entry, controller: c });
            addI2cDevices(board, objects, c, info.name, parts);
          }
        }
      } catch (e) {
        if (backend.bus === 'gpio') board.warnings.push(`${info.path}: the GPIO controller cannot be opened: ${toHilError(e).message}`);
        else throw e;
      }
    }
    addControlLines(board, objects, tree, gpios);
    board.threads.push(...userThreads(tree));
  } catch (e) {
    await board.close();
    throw e;
  }
  return board;
}

/** Enabled children that are EEPROMs of this bus; any other enabled child is a warning. */
function eepromChildren(board: Board, bus: DtNode, compatible: string): DtNode[] {
  const out: DtNode[] = [];
  for (const c of bus.children) {
    if (!enabledPath(c) || !c.props.has('compatible')) continue;
    if (compatibles(c).includes(compatible)) out.push(c);
    else {
      const why = `compatible "${compatibles(c).join('", "')}" names no part hilbridge drives on this bus; an EEPROM here needs compatible = "${compatible}"`;
      board.warnings.push(`${nodePath(c)}: ${why} (see \`hilbridge parts\`)`);
      board.ignored.push({ path: nodePath(c), labels: c.labels, why });
    }
  }
  return out;
}

/** EEPROM nodes under a node no backend drives (an unknown or misspelt controller compatible). */
function ignoreOrphans(board: Board, node: DtNode, registry: BackendRegistry): void {
  const parts = node.children.filter((c) => enabledPath(c) && (compatibles(c).includes(SPI_EEPROM) || compatibles(c).includes(I2C_EEPROM)));
  if (parts.length === 0) return;
  const known = registry
    .all()
    .filter((b) => b.bus !== 'gpio')
    .map((b) => b.compatible)
    .join(', ');
  const has = compatibles(node);
  const why = `it sits on ${nodePath(node)}, whose compatible ${has.length ? `"${has.join('", "')}"` : '(none)'} no backend drives (known controllers: ${known})`;
  board.warnings.push(`${nodePath(node)}: ${why.replace(/^it sits on [^,]+, whose /, '')}; its parts cannot be used`);
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

async function addSpiDevices(board: Board, objects: ObjectTable, controller: SpiController, busName: string, parts: readonly SpiPart[]): Promise<void> {
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, chipSelect: cs, config } of parts) {
    let hal: SpiDevice;
    try {
      hal = await controller.openDevice({ chipSelect: cs, mode: config.mode, maxSpeedHz: config.maxSpeedHz });
    } catch (e) {
      if (e instanceof BackendConfigError) throw e;
      const h = toHilError(e);
      throw new UnavailableError(h.code, h.message, { cause: e });
    }
    board.spiDevices.push(
      objects.insert<SpiDeviceObject>({
        type: 'spi_device',
        name: nodeName(c),
        path: nodePath(c),
        bus: busName,
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

/**
 * Makes a GPIO object of each device's `wp-gpios` line. Values through the gpio syscalls are
 * logical (1 = asserted); the specifier's active-low flag maps them to physical levels. A line on
 * a simulated controller is wired to the simulated part's pin.
 */
function addControlLines(board: Board, objects: ObjectTable, tree: DtTree, gpios: ReadonlyMap<DtNode, GpioController>): void {
  const byPath = new Map<string, DtNode>();
  for (const n of walk(tree.root)) byPath.set(nodePath(n), n);
  for (const dev of [...board.spiDevices, ...board.i2cDevices]) {
    const node = byPath.get(dev.path)!;
    const spec = gpioSpec(tree, node, 'wp-gpios');
    if (!spec) continue;
    const controller = gpios.get(spec.controller);
    if (!controller) {
      board.warnings.push(
        `${dev.path}: wp-gpios names ${nodePath(spec.controller)} (${compatibles(spec.controller).join(', ') || 'no compatible'}), which no GPIO backend drives; ` +
          'tie WP to its inactive level in the wiring',
      );
      continue;
    }
    const line = controller.line(spec.line);
    if (dev.pins?.wp) controller.wire?.(spec.line, dev.pins.wp);
    const { activeLow } = spec;
    board.gpioLines.push(
      objects.insert<GpioObject>({
        type: 'gpio',
        name: `${dev.name}-wp`,
        path: `${dev.path}:wp-gpios`,
        device: dev.name,
        handle: 0,
        get: async () => ((await line.get()) === (activeLow ? 0 : 1) ? 1 : 0),
        set: (value) => line.set((value === 1) !== activeLow ? 1 : 0),
      }),
    );
  }
}

/** Small AT24 parts answer on several addresses: block-select bits take address pins. */
function i2cAddressCount(config: EepromConfig): number {
  return config.kind === 'at24' ? at24AddressSpan(config) : 1;
}
