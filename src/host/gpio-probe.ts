/**
 * The GPIO half of `hilbridge probe`: the Linux GPIO chips this machine has (label, line count),
 * and, for a board file, which chip each of its GPIO controllers resolves to — the first of its
 * labels (`hilbridge,gpiochip`) that exists, as the kernel will pick it at boot.
 */
import { join } from 'node:path';
import { compatibles, gpiochipNames, loadTree, nodePath, walk } from '../devicetree';
import type { GpioChipEntry } from '../hal/gpiochip';
import { packageRoot } from '../kernel/paths';

export type { GpioChipEntry } from '../hal/gpiochip';

export interface GpioControllerMatch {
  /** The controller node in the board file. */
  readonly node: string;
  /** What it asks for: chip labels tried in order, or a /dev path. */
  readonly wants: readonly string[];
  /** The chip it resolves to here, if any. */
  readonly chip: GpioChipEntry | undefined;
}

export interface GpioProbe {
  readonly chips: readonly GpioChipEntry[];
  readonly board?: { readonly file: string; readonly controllers: readonly GpioControllerMatch[] } | undefined;
}

/** Lists the GPIO chips under `devDir` and matches a board's GPIO controllers against them. */
export function probeGpio(devDir = '/dev', board?: string): GpioProbe {
  // Loaded here, not with the library: only `probe` lists GPIO chips.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { listGpioChips } = require('../hal/gpiochip') as typeof import('../hal/gpiochip');
  const chips = listGpioChips(devDir);
  if (!board) return { chips };
  const tree = loadTree(board, { includeDirs: [join(packageRoot(), 'dts')] });
  const controllers: GpioControllerMatch[] = [];
  for (const n of walk(tree.root)) {
    if (!compatibles(n).includes('brcm,bcm2835-gpio')) continue;
    const wants = gpiochipNames(n);
    const chip = wants.map((w) => chips.find((c) => !c.error && (c.label === w || c.path === w))).find((c) => c !== undefined);
    controllers.push({ node: nodePath(n), wants, chip });
  }
  return { chips, board: { file: board, controllers } };
}

/** The probe as text. */
export function formatGpioProbe(p: GpioProbe): string {
  const lines = ['GPIO chips:'];
  if (p.chips.length === 0) lines.push('  none (no /dev/gpiochipN: is this a Raspberry Pi, with gpiochip support in the kernel?)');
  for (const c of p.chips) lines.push(c.error ? `  ${c.path}: cannot be read (${c.error.code}): ${c.error.message}` : `  ${c.path} ${c.name} [${c.label}], ${c.lines} lines`);
  if (p.board) {
    lines.push(`board ${p.board.file}:`);
    if (p.board.controllers.length === 0) lines.push('  no GPIO controller (no wp-gpios or hold-gpios to drive)');
    for (const m of p.board.controllers) {
      lines.push(m.chip ? `  ${m.node} -> ${m.chip.path} [${m.chip.label}]` : `  ${m.node} -> none of ${m.wants.join(', ')} exists here: its wp-gpios/hold-gpios lines cannot be driven`);
    }
  }
  return `${lines.join('\n')}\n`;
}
