/**
 * Builds the kernel's devices from a devicetree: validates the tree against the bindings, opens
 * controllers through the backend registry, makes one kernel object per enabled EEPROM node,
 * creates declared memory partitions and reads the declared user threads with their grants.
 *
 * The board file chooses the hardware; this code only follows it. Decoding of properties is the
 * devicetree module's job (its typed accessors); nothing here reads raw cells.
 */
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import {
  at24Config,
  at25Config,
  chipSelect,
  compatibles,
  type DtNode,
  type DtTree,
  findByPhandle,
  formatDiagnostics,
  i2cControllerInfo,
  isEnabled,
  isI2cController,
  isSpiController,
  nodeName,
  nodePath,
  propCells,
  propString,
  propU32,
  spiControllerInfo,
  userThreads,
  validateTree,
  walk,
} from '../devicetree';
import type { GpioController } from '../hal/gpio';
import type { I2cController } from '../hal/i2c';
import { MockGpioController } from '../hal/mock/gpio-controller';
import type { SpiController } from '../hal/spi';
import { type BackendContext, openI2cController, openSpiController } from './backends';
import { BusArbiter } from './bus-arbiter';
import type { GpioObject, I2cDeviceObject, SpiDeviceObject } from './kobjects';
import type { ObjectTable } from './objects';
import type { RestartPolicy } from './thread';

export interface ThreadDecl {
  readonly name: string;
  readonly path: string;
  readonly program: string;
  /** Device names (labels or paths) granted. */
  readonly grants: readonly string[];
  /** Device names whose IPC endpoint this thread serves. */
  readonly serves: readonly string[];
  /** Partition names added to the thread's memory domain. */
  readonly partitions: readonly string[];
  readonly restart: RestartPolicy;
}

export interface Board {
  readonly model: string;
  readonly spiDevices: SpiDeviceObject[];
  readonly i2cDevices: I2cDeviceObject[];
  /** Control lines of devices (an EEPROM's `wp-gpios`), named "<device>-wp". */
  readonly gpioLines: GpioObject[];
  readonly threads: ThreadDecl[];
  readonly partitions: { name: string; size: number }[];
  readonly controllers: (SpiController | I2cController)[];
  /** Per-controller descriptions, for `info`. */
  readonly buses: { name: string; path: string; backend: string }[];
  /** Binding warnings (unknown compatibles and the like). */
  readonly warnings: string[];
}

export async function buildBoard(tree: DtTree, objects: ObjectTable, ctx: BackendContext): Promise<Board> {
  const checked = validateTree(tree);
  if (checked.errors.length) throw new HilError('EINVAL', `the board does not match its bindings:\n${formatDiagnostics(checked.errors, 'error')}`);
  const board: Board = {
    model: tree.root.props.has('model') ? (propString(tree.root, 'model') ?? '') : '',
    spiDevices: [],
    i2cDevices: [],
    gpioLines: [],
    threads: [],
    partitions: [],
    controllers: [],
    buses: [],
    warnings: checked.warnings.map((w) => w.message),
  };
  const gpios = new Map<DtNode, GpioController>();
  try {
    for (const node of walk(tree.root)) {
      if (enabledPath(node) && compatibles(node).includes('hilbridge,mock-gpio')) {
        gpios.set(node, new MockGpioController(`mock-gpio:${nodeName(node)}`, propU32(node, 'ngpios') ?? 32));
      }
    }
    for (const node of walk(tree.root)) {
      if (!enabledPath(node)) continue;
      if (isSpiController(node)) await addSpiBus(board, objects, node, ctx);
      else if (isI2cController(node)) await addI2cBus(board, objects, node, ctx);
      else if (compatibles(node).includes('hilbridge,partition')) {
        board.partitions.push({ name: nodeName(node), size: propU32(node, 'size') ?? 4096 });
      }
    }
    addWpLines(board, objects, tree, gpios, ctx);
    board.threads.push(...threadDecls(tree));
  } catch (e) {
    await Promise.allSettled(board.controllers.map((c) => c.close()));
    throw e;
  }
  return board;
}

/** A node is live only if it and every ancestor are enabled. */
function enabledPath(node: DtNode): boolean {
  for (let n: DtNode | undefined = node; n; n = n.parent) if (!isEnabled(n)) return false;
  return true;
}

async function addSpiBus(board: Board, objects: ObjectTable, node: DtNode, ctx: BackendContext): Promise<void> {
  const info = spiControllerInfo(node);
  const parts = node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at25'))
    .map((c) => ({ node: c, cs: chipSelect(c), config: at25Config(c) }));
  const controller = await openSpiController(info, parts, ctx);
  board.controllers.push(controller);
  board.buses.push({ name: info.name, path: info.path, backend: info.kind });
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, cs, config } of parts) {
    const hal = await controller.openDevice({ chipSelect: cs, mode: config.mode, maxSpeedHz: config.maxSpeedHz });
    board.spiDevices.push(
      objects.insert<SpiDeviceObject>({
        type: 'spi_device',
        name: nodeName(c),
        path: nodePath(c),
        busNode: info.name,
        handle: 0,
        hal,
        arbiter,
        chipSelect: cs,
        maxSpeedHz: config.maxSpeedHz,
        config,
      }),
    );
  }
}

async function addI2cBus(board: Board, objects: ObjectTable, node: DtNode, ctx: BackendContext): Promise<void> {
  const info = i2cControllerInfo(node);
  const parts = node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at24'))
    .map((c) => ({ node: c, config: at24Config(c) }));
  const controller = await openI2cController(info, parts, ctx);
  board.controllers.push(controller);
  board.buses.push({ name: info.name, path: info.path, backend: info.kind });
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, config } of parts) {
    board.i2cDevices.push(
      objects.insert<I2cDeviceObject>({
        type: 'i2c_device',
        name: nodeName(c),
        path: nodePath(c),
        busNode: info.name,
        handle: 0,
        hal: controller,
        arbiter,
        address: config.address,
        addressCount: i2cAddressCount(config),
        config,
      }),
    );
  }
}

/**
 * Makes a GPIO object of each device's `wp-gpios` line. Values through the gpio syscalls are
 * logical (1 = asserted); the line's active-low flag (bit 0 of the specifier's flags) maps them
 * to physical levels. On the mock board the line is wired to the simulated part's WP pin.
 */
function addWpLines(board: Board, objects: ObjectTable, tree: DtTree, gpios: Map<DtNode, GpioController>, ctx: BackendContext): void {
  const devices: { dev: SpiDeviceObject | I2cDeviceObject; model: { wpPin: boolean } | undefined }[] = [
    ...board.spiDevices.map((dev) => ({ dev, model: mockModel(ctx, dev) })),
    ...board.i2cDevices.map((dev) => ({ dev, model: mockModel(ctx, dev) })),
  ];
  for (const { dev, model } of devices) {
    const node = walkFind(tree, dev.path);
    const spec = propCells(node, 'wp-gpios');
    if (!spec) continue;
    const [phandle, pin, flags = 0] = spec;
    const target = phandle === undefined ? undefined : findByPhandle(tree, phandle);
    const controller = target ? gpios.get(target) : undefined;
    if (!controller || pin === undefined) {
      board.warnings.push(`${dev.path}: wp-gpios names a GPIO controller hilbridge cannot drive (only hilbridge,mock-gpio has a backend); tie WP to its inactive level in the wiring`);
      continue;
    }
    const line = controller.line(pin);
    const activeLow = (flags & 1) === 1;
    if (model && controller instanceof MockGpioController) {
      controller.connect(pin, model.wpPin ? 1 : 0, (level) => {
        model.wpPin = level === 1;
      });
    }
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

function mockModel(ctx: BackendContext, dev: SpiDeviceObject | I2cDeviceObject): { wpPin: boolean } | undefined {
  const m =
    dev.type === 'spi_device'
      ? ctx.mockSpi.get(dev.busNode)?.model(dev.chipSelect)
      : ctx.mockI2c.get(dev.busNode)?.model(dev.address);
  return m && 'wpPin' in m ? (m as { wpPin: boolean }) : undefined;
}

/** Small AT24 parts answer on several addresses: block-select bits take address pins. */
export function i2cAddressCount(config: EepromConfig): number {
  if (config.kind !== 'at24') return 1;
  const span = config.addressWidth === 8 ? 256 : 65536;
  return Math.max(1, Math.ceil(config.size / span));
}

function threadDecls(tree: DtTree): ThreadDecl[] {
  return userThreads(tree)
    .filter((t) => enabledPath(walkFind(tree, t.path)))
    .map((t) => ({
      // A DTB compiled without symbols has no labels: fall back to the node's own name.
      name: t.name.startsWith('/') ? (t.path.split('/').pop() ?? t.name) : t.name,
      path: t.path,
      program: t.program,
      grants: t.grants.filter(enabledPath).map(nodeName),
      serves: t.serves.filter(enabledPath).map(nodeName),
      partitions: t.partitions.map(nodeName),
      restart: t.restart === 'backoff' ? { maxRestarts: t.maxRestarts ?? 5, backoffMs: 100, maxBackoffMs: 5000 } : 'never',
    }));
}

function walkFind(tree: DtTree, path: string): DtNode {
  for (const n of walk(tree.root)) if (nodePath(n) === path) return n;
  throw new HilError('ENOENT', `no node ${path}`);
}
