/**
 * What the benchmark runs on: the board (the generated bench board, or any board file given with
 * `--board`), its EEPROMs with their backend and clock, and the machine (CPU, Node version). Every
 * figure in the JSON carries a `RanOn` built from these, so a result read later says what it
 * measured without the run's command line.
 */
import { cpus } from 'node:os';
import { HilError } from '../src/abi/errno';
import { busClockHz, type DtNode } from '../src/devicetree';
import { walk, nodePath, type DtTree } from '../src/devicetree/tree';
import { Kernel } from '../src/kernel/kernel';
import { benchBoardFile, loadBoard } from './boards';

/** How the bus of a figure spent time: not at all (simulated, software only), as the timing model says, or for real. */
export type BusTiming = 'software only' | 'timing model' | 'hardware';

export interface BenchDevice {
  readonly name: string;
  readonly kind: 'at25' | 'at24';
  /** e.g. "AT25, 32768 bytes, 64-byte pages". */
  readonly part: string;
  readonly size: number;
  readonly pageSize: number;
  readonly bus: string;
  readonly backend: string;
  readonly simulated: boolean;
  /** SPI: the device's spi-max-frequency; I2C: the bus's clock-frequency (100 kHz when absent). */
  readonly clockHz: number;
  readonly repeatedStart: boolean;
  readonly maxTransferBytes: number;
  /** The part's write cycle the bus limit counts for a page write, µs. */
  readonly writeCycleUs: number;
  readonly readOnly: boolean;
}

export interface BenchTarget {
  /** The board file booted. */
  readonly boardFile: string;
  /** How rows name the board: "bench board" or the file given with --board. */
  readonly board: string;
  readonly custom: boolean;
  readonly includeDirs: readonly string[];
  readonly devices: readonly BenchDevice[];
  /** Every device is simulated: the timed and untimed variants of the bench board apply. */
  readonly simulated: boolean;
}

/** Names what a figure ran on. */
export interface RanOn {
  readonly board: string;
  readonly device?: string | undefined;
  readonly backend?: string | undefined;
  readonly clockHz?: number | undefined;
  readonly busTiming: BusTiming;
  readonly node: string;
  readonly cpu: string;
}

export function cpuModel(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model.trim() ?? 'unknown CPU'}`;
}

export function ranOn(target: BenchTarget, busTiming: BusTiming, device?: BenchDevice): RanOn {
  return {
    board: target.board,
    device: device?.name,
    backend: device?.backend,
    clockHz: device?.clockHz,
    busTiming,
    node: process.version,
    cpu: cpuModel(),
  };
}

/** The bus timing of a device's figures on the default (untimed) boot of a target. */
export function defaultTiming(d: BenchDevice | undefined): BusTiming {
  return d === undefined || d.simulated ? 'software only' : 'hardware';
}

const DATASHEET_WRITE_CYCLE_US = 5000;

function nodeAt(tree: DtTree, path: string): DtNode | undefined {
  for (const n of walk(tree.root)) if (nodePath(n) === path) return n;
  return undefined;
}

function u32(node: DtNode | undefined, prop: string): number | undefined {
  const p = node?.props.get(prop);
  if (!p || p.value.length !== 4) return undefined;
  return new DataView(p.value.buffer, p.value.byteOffset, 4).getUint32(0);
}

/**
 * Boots the board without threads to list its EEPROMs (devices on controllers that could not be
 * opened are left out, with the reason in `skipped`).
 */
export async function describeTarget(boardFile: string | undefined, includeDirs: readonly string[] = []): Promise<{ target: BenchTarget; skipped: string[] }> {
  const file = boardFile ?? benchBoardFile(false);
  const tree = loadBoard(file, includeDirs);
  const k = await Kernel.boot({ tree, startThreads: false, watchdog: false });
  try {
    const skipped = k.unavailable().map((u) => `${u.devices.join(', ')} on ${u.name} (${u.backend}): ${u.error.message}`);
    const devices: BenchDevice[] = [];
    for (const d of k.devices()) {
      const c = d.config;
      if (!c) continue;
      const node = nodeAt(tree, c.path);
      const cycle = u32(node, 'hilbridge,model-write-cycle-us');
      const clockHz = c.kind === 'at25' ? c.maxSpeedHz : (node?.parent ? busClockHz(node.parent) : undefined) ?? 100_000;
      const api = k.deviceApi(d.name);
      const repeatedStart = 'repeatedStart' in api ? api.repeatedStart : false;
      devices.push({
        name: d.name,
        kind: c.kind,
        part: `${c.kind.toUpperCase()}, ${c.size} bytes, ${c.pageSize}-byte pages`,
        size: c.size,
        pageSize: c.pageSize,
        bus: d.bus,
        backend: d.backend,
        simulated: d.simulated,
        clockHz,
        repeatedStart,
        maxTransferBytes: d.maxTransferBytes,
        writeCycleUs: d.simulated ? (cycle ?? DATASHEET_WRITE_CYCLE_US) : DATASHEET_WRITE_CYCLE_US,
        readOnly: c.readOnly,
      });
    }
    if (devices.length === 0) {
      throw new HilError('ENODEV', `${file}: no EEPROM the benchmark can reach${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
    }
    return {
      target: {
        boardFile: file,
        board: boardFile ?? 'bench board (generated; see bench/boards.ts)',
        custom: boardFile !== undefined,
        includeDirs,
        devices,
        simulated: devices.every((d) => d.simulated),
      },
      skipped,
    };
  } finally {
    await k.shutdown();
  }
}
