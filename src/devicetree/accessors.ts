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
import { type At24Config, type At25Config, geometryProblem } from '../abi/device-config';
import type { ThreadSpec } from '../abi/thread-spec';
import { builtinBindings, type Bindings } from './bindings';
import { FAMILY_COMPATIBLE, partForCompatible, type PartRow } from './parts';
import { compatibles, findByPhandle, isEnabled, nodePath, propBool, propCells, propString, propStrings, propU32, type DtNode, type DtTree } from './tree';

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

/** Refuses a configuration the one geometry rule (abi/device-config.ts) refuses, naming the property. */
function checkGeometry<C extends At25Config | At24Config>(node: DtNode, c: C): C {
  const p = geometryProblem(c);
  if (p) throw bad(node, p.prop, p.what);
  return c;
}

/**
 * The part a node names by compatible, if any: the first of its compatibles that is in the parts
 * table ("atmel,at25256", "st,m95256", Linux's "atmel,24c256"). Such a node needs no size,
 * pagesize or address-width; where it gives them anyway they win (a vendor variant).
 */
export function eepromPart(node: DtNode): PartRow | undefined {
  for (const c of compatibles(node)) {
    const p = partForCompatible(c);
    if (p) return p;
  }
  return undefined;
}

/**
 * Which EEPROM family a node is, by its compatibles: a part of the table, or the generic
 * "atmel,at25" / "atmel,at24" (which then need the geometry spelled out). Undefined: not an EEPROM
 * hilbridge drives.
 */
export function eepromFamily(node: DtNode): 'at25' | 'at24' | undefined {
  const part = eepromPart(node);
  if (part) return part.kind;
  const c = compatibles(node);
  return c.includes(FAMILY_COMPATIBLE.at25) ? 'at25' : c.includes(FAMILY_COMPATIBLE.at24) ? 'at24' : undefined;
}

/** A geometry property: the node's own value, else the named part's, else an error saying how to give it. */
function geometry(node: DtNode, prop: string, fromPart: number | undefined): number {
  const v = propU32(node, prop);
  if (v !== undefined) return v;
  if (fromPart !== undefined) return fromPart;
  throw bad(node, prop, 'is required but missing (or name the part in compatible, e.g. "atmel,at25256"; see `hilbridge parts`)');
}

function familyPart(node: DtNode, family: 'at25' | 'at24'): PartRow | undefined {
  if (eepromFamily(node) !== family) throw bad(node, 'compatible', `does not name an ${family.toUpperCase()} part or "${FAMILY_COMPATIBLE[family]}"`);
  return eepromPart(node);
}

/** An AT25 node (a part of the table, or `atmel,at25` with its geometry) as an At25Config. */
export function at25Config(node: DtNode, bindings: Bindings = builtinBindings()): At25Config {
  const part = familyPart(node, 'at25');
  const size = geometry(node, 'size', part?.size);
  const pageSize = geometry(node, 'pagesize', part?.pageSize);
  const aw = geometry(node, 'address-width', part?.addressWidth) as At25Config['addressWidth'];
  const maxSpeedHz = requireU32(node, 'spi-max-frequency');
  if (maxSpeedHz === 0) throw bad(node, 'spi-max-frequency', 'must be greater than 0');
  const mode = ((propBool(node, 'spi-cpol') ? 2 : 0) | (propBool(node, 'spi-cpha') ? 1 : 0)) as 0 | 1 | 2 | 3;
  return checkGeometry(node, {
    kind: 'at25',
    name: nodeName(node),
    path: nodePath(node),
    ...(part ? { part: part.name } : {}),
    size,
    pageSize,
    addressWidth: aw,
    timeoutMs: u32Or(node, 'timeout', bindings, FAMILY_COMPATIBLE.at25, 25),
    readOnly: propBool(node, 'read-only'),
    maxSpeedHz,
    mode,
  });
}

/** An AT24 node (a part of the table, or `atmel,at24` with its geometry) as an At24Config. */
export function at24Config(node: DtNode, bindings: Bindings = builtinBindings()): At24Config {
  const part = familyPart(node, 'at24');
  const size = geometry(node, 'size', part?.size);
  const pageSize = geometry(node, 'pagesize', part?.pageSize);
  const aw = (propU32(node, 'address-width') ?? part?.addressWidth ?? (size <= 2048 ? 8 : 16)) as At24Config['addressWidth'];
  const reg = propCells(node, 'reg');
  if (!reg || reg.length < 1) throw bad(node, 'reg', 'is required: the 7-bit device address');
  const address = reg[0]!;
  if (address > 0x7f) throw bad(node, 'reg', `is 0x${address.toString(16)}, not a 7-bit I2C address`);
  return checkGeometry(node, {
    kind: 'at24',
    name: nodeName(node),
    path: nodePath(node),
    ...(part ? { part: part.name } : {}),
    size,
    pageSize,
    addressWidth: aw,
    address,
    timeoutMs: u32Or(node, 'timeout', bindings, FAMILY_COMPATIBLE.at24, 25),
    readOnly: propBool(node, 'read-only'),
  });
}

/** Optional model write-cycle time of a simulated part, in microseconds. */
export function modelWriteCycleUs(node: DtNode): number | undefined {
  return propU32(node, 'hilbridge,model-write-cycle-us');
}

/** What every bus controller node says about itself, whatever its backend. */
export interface ControllerInfo {
  readonly path: string;
  /** Label (e.g. "spi0"), else the node path. */
  readonly name: string;
  /** `max-transfer-bytes`: a limit the board imposes below the backend's own. */
  readonly maxTransferBytes: number | undefined;
}

export function controllerInfo(node: DtNode): ControllerInfo {
  return { path: nodePath(node), name: nodeName(node), maxTransferBytes: propU32(node, 'max-transfer-bytes') };
}

/** A `brcm,bcm2835-spi` controller driven through Linux spidev: the B of /dev/spidevB.C. */
export function spidevBus(node: DtNode): number {
  return requireU32(node, 'hilbridge,spidev-bus');
}

/** A `brcm,bcm2835-i2c` controller driven through Linux i2c-dev: the N of /dev/i2c-N, and its clock. */
export function i2cDevBus(node: DtNode): { bus: number; devPath: string; clockHz: number | undefined } {
  const bus = requireU32(node, 'hilbridge,i2c-bus');
  return { bus, devPath: `/dev/i2c-${bus}`, clockHz: propU32(node, 'clock-frequency') };
}

/** A `hilbridge,serprog` programmer: its serial port and baud rate. */
export function serprogSettings(node: DtNode, bindings: Bindings = builtinBindings()): { port: string; baudRate: number } {
  const port = propString(node, 'port');
  if (!port) throw bad(node, 'port', 'is required: the serial device of the programmer, e.g. "/dev/ttyACM0"');
  return { port, baudRate: u32Or(node, 'baud-rate', bindings, 'hilbridge,serprog', 115200) };
}

/** Labels of the Raspberry Pi GPIO chips, Pi 4, Pi 3 and older, Pi 5: tried in this order. */
export const PI_GPIOCHIP_LABELS: readonly string[] = ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1'];

/** Which Linux GPIO chip drives a GPIO controller node: its labels (tried in order) or a /dev path. */
export function gpiochipNames(node: DtNode): readonly string[] {
  const v = propStrings(node, 'hilbridge,gpiochip');
  if (v && v.some((x) => x.length === 0)) throw bad(node, 'hilbridge,gpiochip', 'holds an empty name; give chip labels or a /dev/gpiochipN path');
  return v && v.length ? v : PI_GPIOCHIP_LABELS;
}

/** Bus clock of an I2C controller node (`clock-frequency`), if given. */
export function busClockHz(node: DtNode): number | undefined {
  return propU32(node, 'clock-frequency');
}

/** A `*-gpios` property decoded: the controller node, the line on it, and whether it is active low. */
export interface GpioSpec {
  readonly controller: DtNode;
  readonly line: number;
  readonly activeLow: boolean;
}

/** Decodes one specifier of `prop` (e.g. "wp-gpios") as <&controller line flags>; undefined when absent. */
export function gpioSpec(tree: DtTree, node: DtNode, prop: string): GpioSpec | undefined {
  const cells = propCells(node, prop);
  if (!cells) return undefined;
  const [phandle, line, flags = 0] = cells;
  if (phandle === undefined || line === undefined) throw bad(node, prop, 'must be <&controller line flags>');
  const controller = findByPhandle(tree, phandle);
  if (!controller) throw bad(node, prop, `refers to phandle ${phandle}, which no node has`);
  if (!controller.props.has('gpio-controller')) throw bad(node, prop, `refers to ${nodePath(controller)}, which is not a gpio-controller`);
  return { controller, line, activeLow: (flags & 1) === 1 };
}

/** The chip select of an SPI device node (its reg). */
export function chipSelect(node: DtNode): number {
  const reg = propCells(node, 'reg');
  if (!reg || reg.length < 1) throw bad(node, 'reg', 'is required: the chip select number');
  return reg[0]!;
}

function phandleList(tree: DtTree, node: DtNode, prop: string): DtNode[] {
  return (propCells(node, prop) ?? []).map((ph) => {
    const target = findByPhandle(tree, ph);
    if (!target) throw bad(node, prop, `refers to phandle ${ph}, which no node has`);
    return target;
  });
}

/** A node is live only if it and every ancestor are enabled. */
export function enabledPath(node: DtNode): boolean {
  for (let n: DtNode | undefined = node; n; n = n.parent) if (!isEnabled(n)) return false;
  return true;
}

/**
 * Every enabled hilbridge,user-thread node under a hilbridge,threads node, as the kernel's spawn
 * request. Disabled targets are left out of the grants. A DTB compiled without symbols has no
 * labels: a thread is then named by its node's own name.
 */
export function userThreads(tree: DtTree): ThreadSpec[] {
  const out: ThreadSpec[] = [];
  for (const holder of tree.root.children.filter((n) => compatibles(n).includes('hilbridge,threads') && enabledPath(n))) {
    const heapMb = propU32(holder, 'max-heap-mb');
    const bufferMb = propU32(holder, 'max-buffer-mb');
    for (const t of holder.children.filter((n) => compatibles(n).includes('hilbridge,user-thread') && isEnabled(n))) {
      const program = propString(t, 'program');
      if (!program) throw bad(t, 'program', 'is required: the user program to run');
      const restart = propString(t, 'restart') ?? 'never';
      if (restart !== 'never' && restart !== 'backoff') throw bad(t, 'restart', `is "${restart}"; it must be "never" or "backoff"`);
      const transport = propString(t, 'transport') ?? 'sync';
      if (transport !== 'sync' && transport !== 'port') throw bad(t, 'transport', `is "${transport}"; it must be "sync" or "port"`);
      const start = propString(t, 'start');
      if (start !== undefined && start !== 'boot' && start !== 'on-demand') throw bad(t, 'start', `is "${start}"; it must be "boot" or "on-demand"`);
      const names = (prop: string): string[] => phandleList(tree, t, prop).filter(enabledPath).map(nodeName);
      const serves = names('hilbridge,serves');
      const label = nodeName(t);
      out.push({
        name: label.startsWith('/') ? t.name : label,
        program,
        grants: names('hilbridge,grants'),
        calls: names('hilbridge,calls'),
        serves,
        partitions: phandleList(tree, t, 'hilbridge,partitions').map(nodeName),
        restart:
          restart === 'backoff'
            ? { maxRestarts: propU32(t, 'max-restarts') ?? 5, backoffMs: propU32(t, 'backoff-ms') ?? 100, maxBackoffMs: 5000, minRunMs: propU32(t, 'min-run-ms') }
            : 'never',
        transport,
        start: start ?? (serves.length > 0 ? 'on-demand' : 'boot'),
        limits: { heapMb: propU32(t, 'max-heap-mb') ?? heapMb, bufferMb: propU32(t, 'max-buffer-mb') ?? bufferMb },
      });
    }
  }
  return out;
}
