/**
 * Builds the kernel's devices from a devicetree: controllers through the backend registry, one
 * kernel object per enabled EEPROM node, and the declared user threads with their grants.
 *
 * The board file chooses the hardware; this code only follows it. Thread declarations live under
 * a `hilbridge,threads` node (see docs/ARCHITECTURE.md): nothing is granted that is not listed.
 */
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import { at24Config, at25Config, controllerInfo } from './dt-configs';
import {
  compatibles,
  type DtNode,
  type DtTree,
  findByPhandle,
  isEnabled,
  nodePath,
  propCells,
  propString,
  propU32,
  walk,
} from '../devicetree/tree';
import type { I2cController } from '../hal/i2c';
import type { SpiController } from '../hal/spi';
import { type BackendContext, openI2cController, openSpiController } from './backends';
import { deviceName } from './board-names';
import { BusArbiter } from './bus-arbiter';
import type { I2cDeviceObject, SpiDeviceObject } from './kobjects';
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
  readonly restart: RestartPolicy;
}

export interface Board {
  readonly model: string;
  readonly spiDevices: SpiDeviceObject[];
  readonly i2cDevices: I2cDeviceObject[];
  readonly threads: ThreadDecl[];
  readonly controllers: (SpiController | I2cController)[];
  /** Per-controller descriptions, for `info`. */
  readonly buses: { name: string; path: string; backend: string }[];
}

export async function buildBoard(tree: DtTree, objects: ObjectTable, ctx: BackendContext): Promise<Board> {
  const board: Board = {
    model: tree.root.props.has('model') ? (propString(tree.root, 'model') ?? '') : '',
    spiDevices: [],
    i2cDevices: [],
    threads: [],
    controllers: [],
    buses: [],
  };
  try {
    for (const node of walk(tree.root)) {
      if (!isEnabled(node)) continue;
      const info = controllerInfo(node);
      if (!info) continue;
      const children = node.children.filter(isEnabled);
      if (info.bus === 'spi') await addSpiBus(board, objects, node, children, info.backend, ctx);
      else await addI2cBus(board, objects, node, children, info.backend, ctx);
    }
    board.threads.push(...threadDecls(tree));
  } catch (e) {
    await Promise.allSettled(board.controllers.map((c) => c.close()));
    throw e;
  }
  return board;
}

async function addSpiBus(
  board: Board,
  objects: ObjectTable,
  node: DtNode,
  children: DtNode[],
  backend: string,
  ctx: BackendContext,
): Promise<void> {
  const parts = children.filter((c) => compatibles(c).includes('atmel,at25'));
  const configs = parts.map((c) => ({ node: c, cs: propU32(c, 'reg') ?? 0, config: at25Config(c) }));
  const controller = await openSpiController(node, configs, ctx);
  board.controllers.push(controller);
  board.buses.push({ name: deviceName(node), path: nodePath(node), backend });
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, cs, config } of configs) {
    const hal = await controller.openDevice({ chipSelect: cs, mode: config.mode, maxSpeedHz: config.maxSpeedHz });
    board.spiDevices.push(
      objects.insert<SpiDeviceObject>({
        type: 'spi_device',
        name: deviceName(c),
        path: nodePath(c),
        handle: 0,
        hal,
        arbiter,
        maxSpeedHz: config.maxSpeedHz,
        config,
      }),
    );
  }
}

async function addI2cBus(
  board: Board,
  objects: ObjectTable,
  node: DtNode,
  children: DtNode[],
  backend: string,
  ctx: BackendContext,
): Promise<void> {
  const parts = children.filter((c) => compatibles(c).includes('atmel,at24'));
  const configs = parts.map((c) => ({ node: c, config: at24Config(c) }));
  const controller = await openI2cController(node, configs, ctx);
  board.controllers.push(controller);
  board.buses.push({ name: deviceName(node), path: nodePath(node), backend });
  const arbiter = new BusArbiter(controller.name);
  for (const { node: c, config } of configs) {
    board.i2cDevices.push(
      objects.insert<I2cDeviceObject>({
        type: 'i2c_device',
        name: deviceName(c),
        path: nodePath(c),
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

/** Small AT24 parts answer on several addresses: block-select bits take address pins. */
export function i2cAddressCount(config: EepromConfig): number {
  if (config.kind !== 'at24') return 1;
  const span = config.addressWidth === 8 ? 256 : 65536;
  return Math.max(1, Math.ceil(config.size / span));
}

function threadDecls(tree: DtTree): ThreadDecl[] {
  const out: ThreadDecl[] = [];
  for (const node of walk(tree.root)) {
    if (!compatibles(node).includes('hilbridge,user-thread') || !isEnabled(node)) continue;
    const refs = (prop: string): string[] =>
      (propCells(node, prop) ?? []).map((ph) => {
        const target = findByPhandle(tree, ph);
        if (!target) throw new HilError('EINVAL', `${nodePath(node)}: ${prop} refers to phandle ${ph}, which no node has`);
        return deviceName(target);
      });
    const program = propString(node, 'program');
    if (!program) throw new HilError('EINVAL', `${nodePath(node)}: a hilbridge,user-thread needs a "program" property`);
    const restart = propString(node, 'restart') ?? 'never';
    out.push({
      name: node.labels[0] ?? node.name,
      path: nodePath(node),
      program,
      grants: refs('hilbridge,grants'),
      serves: refs('hilbridge,serves'),
      restart: restart === 'backoff' ? { maxRestarts: propU32(node, 'max-restarts') ?? 5, backoffMs: 100, maxBackoffMs: 5000 } : 'never',
    });
  }
  return out;
}
