/**
 * Typed views of validated nodes for the kernel and drivers: EEPROM configs, bus controllers,
 * user threads. Nothing outside src/devicetree decodes cells.
 *
 * Defaults come from the bindings (dts/bindings) where a binding states one; the AT24
 * address-width default (8 up to 2048 bytes, else 16) depends on the size and lives here.
 * Every accessor throws HilError EINVAL naming the node path and property when the node cannot
 * give a valid value.
 */
import { HilError } from '../abi/errno';
import type { At24Config, At25Config } from '../abi/device-config';
import { builtinBindings, type Bindings } from './bindings';
import { compatibles, findByPhandle, nodePath, propBool, propCells, propString, propU32, type DtNode, type DtTree } from './tree';

function bad(node: DtNode, prop: string, what: string): HilError {
  return new HilError('EINVAL', `${nodePath(node)}: property "${prop}" ${what}`);
}

function bindingDefault(bindings: Bindings, compatible: string, prop: string): number | string | undefined {
  const d = bindings.get(compatible)?.properties.get(prop)?.default;
  return typeof d === 'number' || typeof d === 'string' ? d : undefined;
}

function requireU32(node: DtNode, prop: string): number {
  const v = propU32(node, prop);
  if (v === undefined) throw bad(node, prop, 'is required but missing');
  return v;
}

function u32Or(node: DtNode, prop: string, bindings: Bindings, compatible: string, fallback: number): number {
  const v = propU32(node, prop);
  if (v !== undefined) return v;
  const d = bindingDefault(bindings, compatible, prop);
  return typeof d === 'number' ? d : fallback;
}

/** The label a user would write ("eeprom0"), else the node path. */
export function nodeName(node: DtNode): string {
  return node.labels[0] ?? nodePath(node);
}

function checkSizes(node: DtNode, size: number, pageSize: number): void {
  if (size === 0) throw bad(node, 'size', 'must be greater than 0');
  if (pageSize === 0 || pageSize > size) throw bad(node, 'pagesize', `is ${pageSize}; it must be between 1 and size (${size})`);
  if ((pageSize & (pageSize - 1)) !== 0) throw bad(node, 'pagesize', `is ${pageSize}; EEPROM pages are a power of two`);
}

/** An `atmel,at25` node as an At25Config. */
export function at25Config(node: DtNode, bindings: Bindings = builtinBindings()): At25Config {
  if (!compatibles(node).includes('atmel,at25')) throw bad(node, 'compatible', 'does not include "atmel,at25"');
  const size = requireU32(node, 'size');
  const pageSize = requireU32(node, 'pagesize');
  checkSizes(node, size, pageSize);
  const aw = requireU32(node, 'address-width');
  if (aw !== 8 && aw !== 9 && aw !== 16 && aw !== 24) throw bad(node, 'address-width', `is ${aw}; it must be 8, 9, 16 or 24`);
  const reach = aw === 9 ? 512 : 2 ** aw;
  if (size > reach) throw bad(node, 'address-width', `is ${aw}, which addresses ${reach} bytes, fewer than size (${size})`);
  const maxSpeedHz = requireU32(node, 'spi-max-frequency');
  if (maxSpeedHz === 0) throw bad(node, 'spi-max-frequency', 'must be greater than 0');
  const mode = ((propBool(node, 'spi-cpol') ? 2 : 0) | (propBool(node, 'spi-cpha') ? 1 : 0)) as 0 | 1 | 2 | 3;
  return {
    kind: 'at25',
    name: nodeName(node),
    path: nodePath(node),
    size,
    pageSize,
    addressWidth: aw,
    timeoutMs: u32Or(node, 'timeout', bindings, 'atmel,at25', 25),
    readOnly: propBool(node, 'read-only'),
    maxSpeedHz,
    mode,
  };
}

/** An `atmel,at24` node as an At24Config. */
export function at24Config(node: DtNode, bindings: Bindings = builtinBindings()): At24Config {
  if (!compatibles(node).includes('atmel,at24')) throw bad(node, 'compatible', 'does not include "atmel,at24"');
  const size = requireU32(node, 'size');
  const pageSize = requireU32(node, 'pagesize');
  checkSizes(node, size, pageSize);
  const aw = propU32(node, 'address-width') ?? (size <= 2048 ? 8 : 16);
  if (aw !== 8 && aw !== 16) throw bad(node, 'address-width', `is ${aw}; an AT24 uses 8 or 16`);
  const reg = propCells(node, 'reg');
  if (!reg || reg.length < 1) throw bad(node, 'reg', 'is required: the 7-bit device address');
  const address = reg[0]!;
  if (address > 0x7f) throw bad(node, 'reg', `is 0x${address.toString(16)}, not a 7-bit I2C address`);
  return {
    kind: 'at24',
    name: nodeName(node),
    path: nodePath(node),
    size,
    pageSize,
    addressWidth: aw,
    address,
    timeoutMs: u32Or(node, 'timeout', bindings, 'atmel,at24', 25),
    readOnly: propBool(node, 'read-only'),
  };
}

/** Optional model write-cycle time of a simulated part, in microseconds. */
export function modelWriteCycleUs(node: DtNode): number | undefined {
  return propU32(node, 'hilbridge,model-write-cycle-us');
}

export type SpiControllerInfo =
  | { readonly kind: 'mock'; readonly path: string; readonly name: string; readonly maxTransferBytes: number | undefined }
  | { readonly kind: 'spidev'; readonly path: string; readonly name: string; readonly bus: number; readonly maxTransferBytes: number | undefined }
  | { readonly kind: 'serprog'; readonly path: string; readonly name: string; readonly port: string; readonly baudRate: number; readonly maxTransferBytes: number | undefined };

export type I2cControllerInfo =
  | { readonly kind: 'mock'; readonly path: string; readonly name: string; readonly maxTransferBytes: number | undefined }
  | { readonly kind: 'i2c-dev'; readonly path: string; readonly name: string; readonly bus: number; readonly devPath: string; readonly clockHz: number | undefined };

export function isSpiController(node: DtNode): boolean {
  return compatibles(node).some((c) => c === 'hilbridge,mock-spi' || c === 'brcm,bcm2835-spi' || c === 'hilbridge,serprog');
}

export function isI2cController(node: DtNode): boolean {
  return compatibles(node).some((c) => c === 'hilbridge,mock-i2c' || c === 'brcm,bcm2835-i2c');
}

export function spiControllerInfo(node: DtNode, bindings: Bindings = builtinBindings()): SpiControllerInfo {
  const c = compatibles(node);
  const base = { path: nodePath(node), name: nodeName(node), maxTransferBytes: propU32(node, 'max-transfer-bytes') };
  if (c.includes('hilbridge,mock-spi')) return { kind: 'mock', ...base };
  if (c.includes('brcm,bcm2835-spi')) return { kind: 'spidev', ...base, bus: requireU32(node, 'hilbridge,spidev-bus') };
  if (c.includes('hilbridge,serprog')) {
    const port = propString(node, 'port');
    if (!port) throw bad(node, 'port', 'is required: the serial device of the programmer, e.g. "/dev/ttyACM0"');
    return { kind: 'serprog', ...base, port, baudRate: u32Or(node, 'baud-rate', bindings, 'hilbridge,serprog', 115200) };
  }
  throw bad(node, 'compatible', `names no SPI controller hilbridge knows (${c.join(', ') || 'none'}); expected hilbridge,mock-spi, brcm,bcm2835-spi or hilbridge,serprog`);
}

export function i2cControllerInfo(node: DtNode): I2cControllerInfo {
  const c = compatibles(node);
  const base = { path: nodePath(node), name: nodeName(node) };
  if (c.includes('hilbridge,mock-i2c')) return { kind: 'mock', ...base, maxTransferBytes: propU32(node, 'max-transfer-bytes') };
  if (c.includes('brcm,bcm2835-i2c')) {
    const bus = requireU32(node, 'hilbridge,i2c-bus');
    return { kind: 'i2c-dev', ...base, bus, devPath: `/dev/i2c-${bus}`, clockHz: propU32(node, 'clock-frequency') };
  }
  throw bad(node, 'compatible', `names no I2C controller hilbridge knows (${c.join(', ') || 'none'}); expected hilbridge,mock-i2c or brcm,bcm2835-i2c`);
}

/** The chip select of an SPI device node (its reg). */
export function chipSelect(node: DtNode): number {
  const reg = propCells(node, 'reg');
  if (!reg || reg.length < 1) throw bad(node, 'reg', 'is required: the chip select number');
  return reg[0]!;
}

/** /dev/spidevB.C for a device on a spidev-backed controller. */
export function spidevPath(controller: SpiControllerInfo, cs: number): string | undefined {
  return controller.kind === 'spidev' ? `/dev/spidev${controller.bus}.${cs}` : undefined;
}

export interface UserThreadInfo {
  readonly name: string;
  readonly path: string;
  readonly program: string;
  readonly grants: DtNode[];
  readonly serves: DtNode[];
  readonly partitions: DtNode[];
  readonly restart: 'never' | 'backoff';
  readonly maxRestarts: number | undefined;
}

function phandleList(tree: DtTree, node: DtNode, prop: string): DtNode[] {
  return (propCells(node, prop) ?? []).map((ph) => {
    const target = findByPhandle(tree, ph);
    if (!target) throw bad(node, prop, `refers to phandle ${ph}, which no node has`);
    return target;
  });
}

/** Every hilbridge,user-thread node under a hilbridge,threads node, decoded. */
export function userThreads(tree: DtTree): UserThreadInfo[] {
  const out: UserThreadInfo[] = [];
  for (const holder of tree.root.children.filter((n) => compatibles(n).includes('hilbridge,threads'))) {
    for (const t of holder.children.filter((n) => compatibles(n).includes('hilbridge,user-thread'))) {
      const program = propString(t, 'program');
      if (!program) throw bad(t, 'program', 'is required: the user program to run');
      const restart = propString(t, 'restart') ?? 'never';
      if (restart !== 'never' && restart !== 'backoff') throw bad(t, 'restart', `is "${restart}"; it must be "never" or "backoff"`);
      out.push({
        name: nodeName(t),
        path: nodePath(t),
        program,
        grants: phandleList(tree, t, 'hilbridge,grants'),
        serves: phandleList(tree, t, 'hilbridge,serves'),
        partitions: phandleList(tree, t, 'hilbridge,partitions'),
        restart,
        maxRestarts: propU32(t, 'max-restarts'),
      });
    }
  }
  return out;
}
