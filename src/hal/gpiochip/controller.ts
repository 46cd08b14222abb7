/**
 * The GPIO backend for the Linux GPIO character device (/dev/gpiochipN, uAPI v2, Linux 5.10+).
 *
 * A chip is found by its label ("pinctrl-bcm2835" on a Pi 3, "pinctrl-bcm2711" on a Pi 4,
 * "pinctrl-rp1" on a Pi 5): chip numbers differ between boards and kernels, labels do not. The
 * backend scans the gpiochip nodes of /dev with GPIO_GET_CHIPINFO_IOCTL; an explicit
 * /dev/gpiochipN path works too. Each requested line is its own line request (its own descriptor,
 * consumer "hilbridge" unless told otherwise), so lines are claimed and released independently;
 * closing the request descriptor is what releases a line, and the controller's close() releases
 * every line it claimed. Levels are physical: requests never set the kernel's active-low flag.
 *
 * Calls go through sys.ts (koffi, loaded on first use: see there why this binding).
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HilError } from '../../abi/errno';
import { DEFAULT_GPIO_CONSUMER, type GpioController, type GpioLine, type GpioLineConfig, type GpioLineHandle, type GpioLineRequest } from '../gpio';
import { badOffset, type ChipRef, chipNotFound, chipPathError, type GpioChipEntry, lineError, requestError } from './errors';
import { type GpioSys, gpioSys } from './sys';
import {
  decodeChipInfo,
  decodeLineInfo,
  decodeLineRequestFd,
  decodeLineValueBits,
  encodeLineConfig,
  encodeLineInfoQuery,
  encodeLineRequest,
  encodeLineValues,
  IOCTL,
  LINE_ATTR_ID,
  LINE_FLAG,
  type LineConfig,
  type LineInfo,
  SIZEOF,
} from './uapi';

export type { GpioChipEntry } from './errors';

const CHIP_NODE = /^gpiochip(\d+)$/;

/** Opens `path` and reads its chip info; the descriptor is returned open. */
function openChip(sys: GpioSys, path: string): { fd: number; name: string; label: string; lines: number } {
  const fd = sys.open(path);
  try {
    const buf = new Uint8Array(SIZEOF.gpiochip_info);
    sys.ioctl(fd, IOCTL.GPIO_GET_CHIPINFO_IOCTL, buf);
    return { fd, ...decodeChipInfo(buf) };
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}

/**
 * Every GPIO chip node in `devDir`, in chip-number order, with its kernel name, label and line
 * count (for `hilbridge probe`). A node that cannot be read is listed with `error` set.
 */
export function listGpioChips(devDir = '/dev'): GpioChipEntry[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw new HilError('EIO', `cannot list ${devDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const nodes = names
    .map((n) => ({ n, m: CHIP_NODE.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => join(devDir, x.n));
  if (nodes.length === 0) return [];
  const sys = gpioSys();
  return nodes.map((path): GpioChipEntry => {
    try {
      const c = openChip(sys, path);
      sys.close(c.fd);
      return { path, name: c.name, label: c.label, lines: c.lines };
    } catch (e) {
      const err = chipPathError(e, path);
      return { path, name: basename(path), label: '', lines: 0, error: { code: err.code, message: err.message } };
    }
  });
}

export interface OpenGpioChipOptions {
  /**
   * A /dev/gpiochipN path (anything starting with "/"), or the chip's label, or several labels
   * tried in order (e.g. ["pinctrl-bcm2711", "pinctrl-bcm2835", "pinctrl-rp1"] for any Pi).
   */
  readonly chip: string | readonly string[];
  /** Where to look for chips by label (default /dev). */
  readonly devDir?: string;
  /** Consumer name for lines claimed through `line(n)` (default "hilbridge"). */
  readonly consumer?: string;
}

export async function openGpioChip(opts: OpenGpioChipOptions): Promise<GpiochipController> {
  const devDir = opts.devDir ?? '/dev';
  const wanted = typeof opts.chip === 'string' ? [opts.chip] : [...opts.chip];
  if (wanted.length === 0 || wanted.some((w) => w.length === 0)) throw new HilError('EINVAL', 'name a GPIO chip by label (e.g. pinctrl-bcm2711) or by path (/dev/gpiochip0)');
  const sys = gpioSys();
  const consumer = opts.consumer ?? DEFAULT_GPIO_CONSUMER;
  if (wanted.length === 1 && wanted[0]!.startsWith('/')) {
    const path = wanted[0]!;
    try {
      const c = openChip(sys, path);
      return new GpiochipController(sys, path, c.fd, c.name, c.label, c.lines, consumer);
    } catch (e) {
      throw chipPathError(e, path, () => listGpioChips(devDir));
    }
  }
  const chips = listGpioChips(devDir);
  for (const label of wanted) {
    const hit = chips.find((c) => !c.error && c.label === label);
    if (!hit) continue;
    try {
      const c = openChip(sys, hit.path);
      return new GpiochipController(sys, hit.path, c.fd, c.name, c.label, c.lines, consumer);
    } catch (e) {
      throw chipPathError(e, hit.path, () => chips);
    }
  }
  throw chipNotFound(wanted.join(' or '), chips, devDir);
}

function configFlags(c: GpioLineConfig | 'as-is'): LineConfig {
  if (c === 'as-is') return { flags: 0 };
  const bias = c.bias === 'pull-up' ? LINE_FLAG.BIAS_PULL_UP : c.bias === 'pull-down' ? LINE_FLAG.BIAS_PULL_DOWN : c.bias === 'disabled' ? LINE_FLAG.BIAS_DISABLED : 0;
  if (c.direction === 'input') return { flags: LINE_FLAG.INPUT | bias };
  if (c.initial !== 0 && c.initial !== 1) throw new HilError('EINVAL', `an output line needs an initial level of 0 or 1, got ${String(c.initial)}`);
  const drive = c.drive === 'open-drain' ? LINE_FLAG.OPEN_DRAIN : c.drive === 'open-source' ? LINE_FLAG.OPEN_SOURCE : 0;
  return { flags: LINE_FLAG.OUTPUT | drive | bias, attrs: [{ id: LINE_ATTR_ID.OUTPUT_VALUES, values: BigInt(c.initial), mask: 1n }] };
}

export class GpiochipController implements GpioController, ChipRef {
  /** "label (path)", e.g. "pinctrl-bcm2711 (/dev/gpiochip0)". */
  readonly name: string;
  readonly lineCount: number;
  private readonly lines = new Map<number, GpiochipLine>();
  private closed = false;

  /** Use openGpioChip(). */
  constructor(
    private readonly sys: GpioSys,
    readonly path: string,
    private readonly fd: number,
    /** The kernel's device name, e.g. "gpiochip0". */
    readonly chipName: string,
    readonly label: string,
    lineCount: number,
    private readonly consumer: string,
  ) {
    this.lineCount = lineCount;
    this.name = `${label} (${path})`;
  }

  /** What the kernel says about line n: name, holder ("consumer"), flags. */
  lineInfo(n: number): LineInfo {
    this.check(n);
    const buf = encodeLineInfoQuery(n);
    try {
      this.sys.ioctl(this.fd, IOCTL.GPIO_V2_GET_LINEINFO_IOCTL, buf);
    } catch (e) {
      throw lineError(e, this, n, 'reading the info of');
    }
    return decodeLineInfo(buf);
  }

  line(n: number): GpioLine {
    this.check(n);
    return {
      get: async () => (await this.claim(n, 'as-is')).get(),
      set: async (level) => {
        const held = this.lines.get(n);
        if (!held) {
          await this.claim(n, { direction: 'output', initial: level });
          return;
        }
        if (held.direction === 'output') return held.set(level);
        await held.reconfigure({ direction: 'output', initial: level });
      },
    };
  }

  async request(n: number, req: GpioLineRequest): Promise<GpioLineHandle> {
    this.check(n);
    if (this.lines.has(n)) throw new HilError('EBUSY', `line ${n} of ${this.name} is already requested through this controller: use that handle, or release it first`);
    return this.open(n, req, req.consumer ?? this.consumer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const l of [...this.lines.values()]) await l.release();
    } finally {
      this.sys.close(this.fd);
    }
  }

  /** For GpiochipLine: its descriptor is gone. */
  forget(line: GpiochipLine): void {
    if (this.lines.get(line.offset) === line) this.lines.delete(line.offset);
  }

  private async claim(n: number, config: GpioLineConfig | 'as-is'): Promise<GpiochipLine> {
    return this.lines.get(n) ?? this.open(n, config, this.consumer);
  }

  private open(n: number, config: GpioLineConfig | 'as-is', consumer: string): GpiochipLine {
    const cfg = configFlags(config);
    let buf: Uint8Array;
    try {
      buf = encodeLineRequest([n], consumer, cfg);
    } catch (e) {
      throw new HilError('EINVAL', e instanceof Error ? e.message : String(e));
    }
    try {
      this.sys.ioctl(this.fd, IOCTL.GPIO_V2_GET_LINE_IOCTL, buf);
    } catch (e) {
      let holder: string | undefined;
      if ((e as { code?: string }).code === 'EBUSY') {
        try {
          holder = this.lineInfo(n).consumer || undefined;
        } catch {
          holder = undefined; // the request already failed; its error says what matters
        }
      }
      throw requestError(e, this, n, holder);
    }
    let direction: 'input' | 'output';
    if (config === 'as-is') direction = (this.lineInfo(n).flags & LINE_FLAG.OUTPUT) !== 0 ? 'output' : 'input';
    else direction = config.direction;
    const line = new GpiochipLine(this.sys, this, n, decodeLineRequestFd(buf), direction);
    this.lines.set(n, line);
    return line;
  }

  private check(n: number): void {
    if (this.closed) throw new HilError('EBADF', `${this.name} is closed: open the chip again`);
    if (!Number.isInteger(n) || n < 0 || n >= this.lineCount) throw badOffset(this, n);
  }
}

/** One requested line: its request descriptor, released by close(2). */
export class GpiochipLine implements GpioLineHandle {
  private fd: number | undefined;

  constructor(
    private readonly sys: GpioSys,
    private readonly chip: GpiochipController,
    readonly offset: number,
    fd: number,
    private dir: 'input' | 'output',
  ) {
    this.fd = fd;
  }

  get direction(): 'input' | 'output' {
    return this.dir;
  }

  async get(): Promise<0 | 1> {
    const fd = this.alive('reading');
    const buf = encodeLineValues(0n, 1n);
    try {
      this.sys.ioctl(fd, IOCTL.GPIO_V2_LINE_GET_VALUES_IOCTL, buf);
    } catch (e) {
      throw lineError(e, this.chip, this.offset, 'reading');
    }
    return (decodeLineValueBits(buf) & 1n) === 1n ? 1 : 0;
  }

  async set(level: 0 | 1): Promise<void> {
    const fd = this.alive('driving');
    if (level !== 0 && level !== 1) throw new HilError('EINVAL', `a line level is 0 or 1, got ${String(level)}`);
    if (this.dir !== 'output') throw new HilError('EPERM', `line ${this.offset} of ${this.chip.name} is an input: reconfigure it as an output before driving it`);
    try {
      this.sys.ioctl(fd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, encodeLineValues(BigInt(level), 1n));
    } catch (e) {
      throw lineError(e, this.chip, this.offset, 'driving');
    }
  }

  async reconfigure(config: GpioLineConfig): Promise<void> {
    const fd = this.alive('reconfiguring');
    try {
      this.sys.ioctl(fd, IOCTL.GPIO_V2_LINE_SET_CONFIG_IOCTL, encodeLineConfig(configFlags(config)));
    } catch (e) {
      throw lineError(e, this.chip, this.offset, 'reconfiguring');
    }
    this.dir = config.direction;
  }

  async release(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    this.chip.forget(this);
    try {
      this.sys.close(fd);
    } catch (e) {
      throw lineError(e, this.chip, this.offset, 'releasing');
    }
  }

  private alive(what: string): number {
    if (this.fd === undefined) throw new HilError('EBADF', `line ${this.offset} of ${this.chip.name} was released: request it again before ${what} it`);
    return this.fd;
  }
}
