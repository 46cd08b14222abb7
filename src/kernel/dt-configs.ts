/**
 * Reads driver configurations and controller kinds out of devicetree nodes for the board builder.
 *
 * Values are checked as they are read (a wrong shape is an EINVAL naming the node and property);
 * schema validation against the YAML bindings happens before this, in the devicetree module.
 */
import type { At24Config, At25Config } from '../abi/device-config';
import { HilError } from '../abi/errno';
import { compatibles, type DtNode, nodePath, propBool, propString, propU32 } from '../devicetree/tree';
import { deviceName } from './board-names';

export type ControllerInfo =
  | { readonly bus: 'spi'; readonly backend: 'mock' | 'spidev' | 'serprog' }
  | { readonly bus: 'i2c'; readonly backend: 'mock' | 'i2cdev' };

const CONTROLLERS: Readonly<Record<string, ControllerInfo>> = {
  'hilbridge,mock-spi': { bus: 'spi', backend: 'mock' },
  'brcm,bcm2835-spi': { bus: 'spi', backend: 'spidev' },
  'hilbridge,serprog': { bus: 'spi', backend: 'serprog' },
  'hilbridge,mock-i2c': { bus: 'i2c', backend: 'mock' },
  'brcm,bcm2835-i2c': { bus: 'i2c', backend: 'i2cdev' },
};

export function controllerInfo(node: DtNode): ControllerInfo | undefined {
  for (const c of compatibles(node)) if (CONTROLLERS[c]) return CONTROLLERS[c];
  return undefined;
}

function required(node: DtNode, prop: string): number {
  const v = propU32(node, prop);
  if (v === undefined) throw new HilError('EINVAL', `${nodePath(node)}: required property "${prop}" is missing`);
  return v;
}

function oneOf<T extends number>(node: DtNode, prop: string, v: number, allowed: readonly T[]): T {
  if (!(allowed as readonly number[]).includes(v)) {
    throw new HilError('EINVAL', `${nodePath(node)}: property "${prop}" is ${v}, expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function at25Config(node: DtNode): At25Config {
  const size = required(node, 'size');
  const pageSize = required(node, 'pagesize');
  const defaultWidth = size <= 256 ? 8 : size <= 512 ? 9 : size <= 65536 ? 16 : 24;
  const addressWidth = oneOf(node, 'address-width', propU32(node, 'address-width') ?? defaultWidth, [8, 9, 16, 24] as const);
  const mode = (propBool(node, 'spi-cpol') ? 2 : 0) + (propBool(node, 'spi-cpha') ? 1 : 0);
  return {
    kind: 'at25',
    name: deviceName(node),
    path: nodePath(node),
    size,
    pageSize,
    addressWidth,
    timeoutMs: propU32(node, 'timeout') ?? 25,
    readOnly: propBool(node, 'read-only'),
    maxSpeedHz: required(node, 'spi-max-frequency'),
    mode: mode as 0 | 1 | 2 | 3,
  };
}

export function at24Config(node: DtNode): At24Config {
  const size = required(node, 'size');
  const addressWidth = oneOf(node, 'address-width', propU32(node, 'address-width') ?? (size <= 2048 ? 8 : 16), [8, 16] as const);
  return {
    kind: 'at24',
    name: deviceName(node),
    path: nodePath(node),
    size,
    pageSize: required(node, 'pagesize'),
    addressWidth,
    address: required(node, 'reg'),
    timeoutMs: propU32(node, 'timeout') ?? 25,
    readOnly: propBool(node, 'read-only'),
  };
}

/** String property with a default, for backend parameters. */
export function stringOr(node: DtNode, prop: string, fallback: string): string {
  return node.props.has(prop) ? (propString(node, prop) ?? fallback) : fallback;
}
