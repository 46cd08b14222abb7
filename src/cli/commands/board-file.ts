/**
 * `hilbridge board new --part PART (--spi B.C | --i2c N[@ADDR] | --serprog PORT | --mock)`: writes
 * a board file for one part on one bus, naming the part by compatible (the parts table gives its
 * geometry), with the driver thread every board gives an EEPROM; and `hilbridge board list`: the
 * boards that ship with hilbridge, usable by name (`--board rpi-at25`).
 *
 * The text is checked the way a board is loaded (parsed, validated against the bindings, the
 * device's configuration read) before it is written, and an existing file is never overwritten
 * without `--force`.
 */
import { existsSync } from 'node:fs';
import { at24Config, at25Config, eepromFamily, findByLabel, parseDts, partByName, type PartRow, validateTree } from '../../devicetree';
import { HilError, shippedBoards } from '../../index';
import { UsageError } from '../errors';
import { describePath, isStdio, writeFileOrFail } from '../files';
import { hex, parseQuantity } from '../numbers';
import type { CommandResult } from '../output';
import { table } from '../table';

export interface BoardNewOptions {
  readonly part?: string | undefined;
  readonly spi?: string | undefined;
  readonly i2c?: string | undefined;
  readonly serprog?: string | undefined;
  readonly mock?: boolean | undefined;
  readonly out: string;
  readonly label: string;
  readonly speed?: string | undefined;
  readonly readOnly?: boolean | undefined;
  readonly force?: boolean | undefined;
}

type Bus =
  | { readonly kind: 'spidev'; readonly bus: number; readonly cs: number }
  | { readonly kind: 'i2c-dev'; readonly bus: number; readonly address: number }
  | { readonly kind: 'serprog'; readonly port: string }
  | { readonly kind: 'mock' };

function parseBus(o: BoardNewOptions, part: PartRow): Bus {
  const given = [o.spi !== undefined, o.i2c !== undefined, o.serprog !== undefined, o.mock === true].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError('EINVAL', `board new needs exactly one bus: --spi B.C (/dev/spidevB.C), --i2c N[@ADDR] (/dev/i2c-N), --serprog PORT or --mock; ${given === 0 ? 'none was' : `${given} were`} given`);
  }
  const spiPart = part.kind === 'at25';
  if ((o.spi !== undefined || o.serprog !== undefined) && !spiPart) {
    throw new UsageError('EINVAL', `${part.name} is an I2C EEPROM; put it on --i2c N@ADDR (or --mock)`);
  }
  if (o.i2c !== undefined && spiPart) throw new UsageError('EINVAL', `${part.name} is an SPI EEPROM; put it on --spi B.C or --serprog PORT (or --mock)`);
  if (o.spi !== undefined) {
    const m = /^(\d+)\.(\d+)$/.exec(o.spi.trim());
    if (!m) throw new UsageError('EINVAL', `--spi "${o.spi}" must be BUS.CHIPSELECT as in /dev/spidevB.C, e.g. --spi 0.0 (CE0) or --spi 0.1 (CE1)`);
    return { kind: 'spidev', bus: Number(m[1]), cs: Number(m[2]) };
  }
  if (o.i2c !== undefined) {
    const m = /^(\d+)(?:@(0x[0-9a-f]+|\d+))?$/i.exec(o.i2c.trim());
    if (!m) throw new UsageError('EINVAL', `--i2c "${o.i2c}" must be BUS[@ADDRESS] as in /dev/i2c-N, e.g. --i2c 1@0x50`);
    const address = m[2] === undefined ? 0x50 : Number(m[2]);
    if (address > 0x7f) throw new UsageError('EINVAL', `--i2c address ${m[2]} is not a 7-bit I2C address (0x50..0x57 for an AT24)`);
    return { kind: 'i2c-dev', bus: Number(m[1]), address };
  }
  if (o.serprog !== undefined) {
    if (!o.serprog.trim()) throw new UsageError('EINVAL', '--serprog needs the programmer\'s serial port, e.g. /dev/ttyACM0');
    return { kind: 'serprog', port: o.serprog.trim() };
  }
  return { kind: 'mock' };
}

function where(bus: Bus, part: PartRow): string {
  switch (bus.kind) {
    case 'spidev':
      return `/dev/spidev${bus.bus}.${bus.cs}`;
    case 'i2c-dev':
      return `/dev/i2c-${bus.bus} at ${hex(bus.address, 2)}`;
    case 'serprog':
      return `the serprog programmer on ${bus.port}`;
    default:
      return `a simulated ${part.kind === 'at25' ? 'SPI' : 'I2C'} bus`;
  }
}

/** "256 bytes", "8 KiB": sizes inside parentheses. */
function shortSize(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

function dtsString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The board file's text. */
export function boardText(part: PartRow, bus: Bus, o: { label: string; speedHz: number; readOnly: boolean; command: string }): string {
  const family = part.kind === 'at25' ? 'atmel,at25' : 'atmel,at24';
  const geometry = `${part.name}: ${shortSize(part.size)}, ${part.pageSize}-byte pages (size, pagesize and address-width come from the parts table)`;
  const ro = o.readOnly ? '\t\t\tread-only;\n' : '';
  const spiDevice = (reg: number): string =>
    `\t\t/* ${geometry} */\n` +
    `\t\t${o.label}: eeprom@${reg.toString(16)} {\n` +
    `\t\t\tcompatible = "${part.compatibles[0]}", "${family}";\n` +
    `\t\t\treg = <${reg}>;\n` +
    `\t\t\tspi-max-frequency = <${o.speedHz}>;\n${ro}` +
    '\t\t};\n';
  const i2cDevice = (address: number): string =>
    `\t\t/* ${geometry} */\n` +
    `\t\t${o.label}: eeprom@${address.toString(16)} {\n` +
    `\t\t\tcompatible = "${part.compatibles[0]}", "${family}";\n` +
    `\t\t\treg = <${hex(address, 2)}>;\n${ro}` +
    '\t\t};\n';
  const cells = '\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n';
  let model: string;
  let compatible: string;
  let controller: string;
  switch (bus.kind) {
    case 'spidev':
      model = `Raspberry Pi with ${part.name} on /dev/spidev${bus.bus}.${bus.cs}`;
      compatible = '"hilbridge,rpi-board", "brcm,bcm2835"';
      controller =
        `\t/* SPI${bus.bus} through Linux spidev: enable it with dtparam=spi=on in /boot/firmware/config.txt */\n` +
        `\tspi${bus.bus}: spi${bus.bus} {\n\t\tcompatible = "brcm,bcm2835-spi";\n${cells}\t\thilbridge,spidev-bus = <${bus.bus}>;\n\n${spiDevice(bus.cs)}\t};\n`;
      break;
    case 'i2c-dev':
      model = `Raspberry Pi with ${part.name} on /dev/i2c-${bus.bus}`;
      compatible = '"hilbridge,rpi-board", "brcm,bcm2835"';
      controller =
        `\t/* I2C${bus.bus} through Linux i2c-dev: enable it with dtparam=i2c_arm=on in /boot/firmware/config.txt */\n` +
        `\ti2c${bus.bus}: i2c${bus.bus} {\n\t\tcompatible = "brcm,bcm2835-i2c";\n${cells}\t\thilbridge,i2c-bus = <${bus.bus}>;\n\t\tclock-frequency = <100000>;\n\n${i2cDevice(bus.address)}\t};\n`;
      break;
    case 'serprog':
      model = `serprog programmer with ${part.name}`;
      compatible = '"hilbridge,serprog-board"';
      controller =
        '\t/* A USB SPI programmer speaking flashrom\'s serprog protocol (--port overrides the port) */\n' +
        `\tspi0: serprog {\n\t\tcompatible = "hilbridge,serprog";\n${cells}\t\tport = ${dtsString(bus.port)};\n\t\tbaud-rate = <115200>;\n\n${spiDevice(0)}\t};\n`;
      break;
    default:
      model = `simulated ${part.name}`;
      compatible = '"hilbridge,mock-board"';
      controller =
        part.kind === 'at25'
          ? `\tspi0: spi@0 {\n\t\tcompatible = "hilbridge,mock-spi";\n\t\treg = <0>;\n${cells}\n${spiDevice(0)}\t};\n`
          : `\ti2c0: i2c@0 {\n\t\tcompatible = "hilbridge,mock-i2c";\n\t\treg = <0>;\n${cells}\n${i2cDevice(0x50)}\t};\n`;
  }
  return (
    '/dts-v1/;\n' +
    `/*\n * ${model}.\n * Written by: ${o.command}\n * Wiring and permissions: docs/hardware.md. Check it with: hilbridge --board FILE info\n */\n\n` +
    '/ {\n' +
    `\tmodel = ${dtsString(model)};\n` +
    `\tcompatible = ${compatible};\n` +
    '\t#address-cells = <1>;\n\t#size-cells = <0>;\n\n' +
    controller +
    '\n\t/* User threads and what each may touch. Nothing is granted unless listed here (default deny). */\n' +
    '\tthreads {\n\t\tcompatible = "hilbridge,threads";\n\n' +
    `\t\t${o.label}_driver: ${o.label}-driver {\n` +
    '\t\t\tcompatible = "hilbridge,user-thread";\n' +
    '\t\t\tprogram = "eeprom-server";\n' +
    `\t\t\thilbridge,grants = <&${o.label}>;\n` +
    `\t\t\thilbridge,serves = <&${o.label}>;\n` +
    '\t\t\trestart = "backoff";\n' +
    '\t\t};\n\t};\n};\n'
  );
}

/** Parses, validates and reads the device back from the text, as a board is loaded: a failure here is a bug. */
function check(text: string, label: string): void {
  const tree = parseDts(text, 'board new');
  const v = validateTree(tree);
  if (v.errors.length || v.warnings.length) {
    throw new HilError('EINVAL', `board new made a board that does not validate (a bug): ${[...v.errors, ...v.warnings].map((d) => d.message).join('; ')}`);
  }
  const node = findByLabel(tree, label);
  if (!node) throw new HilError('EINVAL', `board new lost the label ${label} (a bug)`);
  if (eepromFamily(node) === 'at24') at24Config(node);
  else at25Config(node);
}

export async function boardNew(o: BoardNewOptions, command: string): Promise<CommandResult> {
  if (o.part === undefined) throw new UsageError('EINVAL', 'board new needs --part NAME (e.g. --part AT25256; `hilbridge parts` lists them)');
  let part: PartRow;
  try {
    part = partByName(o.part);
  } catch (e) {
    throw new UsageError('EINVAL', `${(e as Error).message}`);
  }
  const bus = parseBus(o, part);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.label)) throw new UsageError('EINVAL', `--label "${o.label}" must be a devicetree label: a letter or _, then letters, digits or _`);
  const speedHz = o.speed === undefined ? 2_000_000 : parseQuantity(o.speed, '--speed');
  if (speedHz === 0) throw new UsageError('EINVAL', '--speed must be greater than 0 (Hz, e.g. 2000000)');
  if (part.kind === 'at24' && o.speed !== undefined) throw new UsageError('EINVAL', '--speed sets an SPI clock; an I2C bus runs at its controller\'s clock-frequency');
  const text = boardText(part, bus, { label: o.label, speedHz, readOnly: o.readOnly === true, command });
  check(text, o.label);
  if (!isStdio(o.out) && existsSync(o.out) && !o.force) {
    throw new UsageError('EEXIST', `${o.out} already exists; choose another --out, or add --force to replace it`);
  }
  writeFileOrFail(o.out, text);
  const target = isStdio(o.out) ? 'FILE' : o.out;
  const onChip = `${part.name} (${shortSize(part.size)}, ${part.pageSize}-byte pages) on ${where(bus, part)} as ${o.label}`;
  return {
    data: { out: o.out, part: part.name, label: o.label, bus: bus.kind, ...bus },
    summary:
      `wrote ${describePath(o.out, 'output')}: ${onChip}\n` +
      `next: hilbridge --board ${target} info; then status ${o.label}, and dump ${o.label} --out backup.bin before any write\n`,
  };
}

export async function boardList(): Promise<CommandResult> {
  const boards = shippedBoards();
  const text = `${table(
    ['NAME', 'MODEL'],
    boards.map((b) => [b.name, b.model || '-']),
  )}\nUse one with --board NAME (e.g. hilbridge --board rpi-at25 info); write your own with hilbridge board new.\n`;
  return { data: { boards }, text };
}
