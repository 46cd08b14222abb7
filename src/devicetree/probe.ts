/**
 * `hilbridge probe`: what the running Linux kernel's devicetree says about SPI and I2C.
 *
 * Reads the live tree in its filesystem form (/sys/firmware/devicetree/base or
 * /proc/device-tree: a directory per node, a file of raw bytes per property), finds the SPI and
 * I2C controllers by compatible, numbers their buses from /aliases as Linux does, and checks
 * which /dev nodes (spidevB.C, i2c-N) exist. Disabled buses and missing device nodes come with
 * advice (dtparam=spi=on, dtparam=i2c_arm=on, modprobe i2c-dev).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HilError } from '../abi/errno';
import { compatibles, isEnabled, newNode, nodePath, propCells, propString, walk, type DtNode, type DtTree } from './tree';

const SPI_COMPATIBLES = ['brcm,bcm2835-spi', 'brcm,bcm2835-aux-spi', 'brcm,bcm2711-spi', 'snps,dw-apb-ssi'];
const I2C_COMPATIBLES = ['brcm,bcm2835-i2c', 'brcm,bcm2708-i2c', 'brcm,bcm2711-i2c', 'snps,designware-i2c'];
export const DEFAULT_LIVE_ROOTS = ['/sys/firmware/devicetree/base', '/proc/device-tree'];

export interface ProbeDevNode {
  readonly path: string;
  readonly exists: boolean;
  /** SPI: the chip select (the child's reg). */
  readonly chipSelect?: number | undefined;
}

export interface ProbeController {
  readonly kind: 'spi' | 'i2c';
  readonly path: string;
  readonly compatible: string[];
  /** Alias naming the bus (spi0, i2c1), from /aliases. */
  readonly alias: string | undefined;
  readonly bus: number | undefined;
  readonly status: string;
  readonly enabled: boolean;
  readonly devNodes: ProbeDevNode[];
}

export interface ProbeResult {
  readonly root: string;
  readonly model: string | undefined;
  readonly controllers: ProbeController[];
  readonly advice: string[];
}

/** Reads a devicetree in filesystem form into a DtTree. */
export function readFsTree(root: string): DtTree {
  const load = (dir: string, name: string, parent: DtNode | undefined): DtNode => {
    const node = newNode(name, parent);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) node.children.push(load(full, e.name, node));
      else if (e.isFile()) node.props.set(e.name, { name: e.name, value: new Uint8Array(fs.readFileSync(full)), labels: [] });
    }
    return node;
  };
  return { root: load(root, '', undefined), memreserve: [] };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export function probeLiveTree(root?: string, devDir = '/dev'): ProbeResult {
  const base = root ?? DEFAULT_LIVE_ROOTS.find((r) => fs.existsSync(r));
  if (!base || !fs.existsSync(base)) {
    throw new HilError('ENOENT', `no live devicetree at ${root ?? DEFAULT_LIVE_ROOTS.join(' or ')}: this system did not boot from a devicetree (not a Raspberry Pi?), or pass the tree's directory explicitly`);
  }
  const tree = readFsTree(base);
  const aliases = new Map<string, string>(); // node path -> alias
  const aliasNode = tree.root.children.find((c) => c.name === 'aliases');
  if (aliasNode) {
    for (const p of aliasNode.props.values()) {
      const target = safe(() => propString(aliasNode, p.name));
      if (target && !p.name.startsWith('name')) aliases.set(target, p.name);
    }
  }
  const controllers: ProbeController[] = [];
  const advice: string[] = [];
  for (const node of walk(tree.root)) {
    const compat = safe(() => compatibles(node)) ?? [];
    const kind = compat.some((c) => SPI_COMPATIBLES.includes(c)) ? 'spi' : compat.some((c) => I2C_COMPATIBLES.includes(c)) ? 'i2c' : undefined;
    if (!kind) continue;
    const p = nodePath(node);
    const alias = aliases.get(p);
    const m = alias ? new RegExp(`^${kind}(\\d+)$`).exec(alias) : null;
    const bus = m ? Number(m[1]) : undefined;
    const status = safe(() => propString(node, 'status')) ?? 'okay';
    const enabled = safe(() => isEnabled(node)) ?? false;
    const devNodes: ProbeDevNode[] = [];
    if (bus !== undefined) {
      if (kind === 'spi') {
        for (const child of node.children) {
          if (!(safe(() => isEnabled(child)) ?? false)) continue;
          const cs = safe(() => propCells(child, 'reg'))?.[0];
          if (cs === undefined) continue;
          const dev = path.join(devDir, `spidev${bus}.${cs}`);
          devNodes.push({ path: dev, exists: fs.existsSync(dev), chipSelect: cs });
        }
      } else {
        const dev = path.join(devDir, `i2c-${bus}`);
        devNodes.push({ path: dev, exists: fs.existsSync(dev) });
      }
    }
    const name = alias ?? p;
    if (!enabled) {
      if (kind === 'spi' && bus === 0) advice.push(`SPI is disabled (${name} at ${p} has status "${status}"): add "dtparam=spi=on" to /boot/firmware/config.txt (/boot/config.txt on older systems) and reboot.`);
      else if (kind === 'i2c' && bus === 1) advice.push(`I2C is disabled (${name} at ${p} has status "${status}"): add "dtparam=i2c_arm=on" to /boot/firmware/config.txt (/boot/config.txt on older systems) and reboot.`);
    } else if (kind === 'spi' && bus !== undefined && devNodes.length === 0) {
      advice.push(`${name} is enabled but has no chip-select children: load an overlay that adds spidev devices (e.g. dtoverlay=spi${bus}-1cs) to get /dev/spidev${bus}.N.`);
    } else {
      for (const d of devNodes.filter((x) => !x.exists)) {
        advice.push(
          kind === 'spi'
            ? `${d.path} is missing although ${name} is enabled: check that the spidev driver is loaded (lsmod | grep spidev) and that the chip select's node is a spidev device.`
            : `${d.path} is missing although ${name} is enabled: load the i2c-dev module (sudo modprobe i2c-dev, and add i2c-dev to /etc/modules).`,
        );
      }
    }
    controllers.push({ kind, path: p, compatible: compat, alias, bus, status, enabled, devNodes });
  }
  if (controllers.length === 0) advice.push('no SPI or I2C controller found in the devicetree: is this a Raspberry Pi?');
  const model = safe(() => propString(tree.root, 'model'));
  return { root: base, model, controllers, advice };
}

/** The probe result as text for `hilbridge probe`. */
export function formatProbe(r: ProbeResult): string {
  const lines = [`devicetree: ${r.root}${r.model ? ` (${r.model})` : ''}`];
  for (const c of r.controllers) {
    lines.push(`${c.kind.toUpperCase()} ${c.alias ?? '(no alias)'} ${c.path} [${c.compatible.join(', ')}] status=${c.status}${c.enabled ? '' : ' (disabled)'}`);
    for (const d of c.devNodes) lines.push(`  ${d.path}${d.chipSelect !== undefined ? ` (chip select ${d.chipSelect})` : ''}: ${d.exists ? 'present' : 'missing'}`);
  }
  for (const a of r.advice) lines.push(`advice: ${a}`);
  return `${lines.join('\n')}\n`;
}
