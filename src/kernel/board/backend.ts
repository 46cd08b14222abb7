/**
 * The backend registry: which HAL backend drives a controller node, chosen by the node's
 * devicetree `compatible`. Every backend is an ordinary entry — the simulated buses of the mock
 * board as much as spidev, serprog and i2c-dev — so nothing above this module knows which kind
 * it has beyond the entry's `simulated` flag. A caller of `Kernel.boot` may pass its own
 * registry (extra backends, or a test double), as node-serialport injects its bindings.
 */
import type { At24Config, At25Config } from '../../abi/device-config';
import { type ErrnoCode, HilError } from '../../abi/errno';
import type { DtNode } from '../../devicetree';
import type { Clock } from '../../hal/clock';
import type { GpioController } from '../../hal/gpio';
import type { I2cController } from '../../hal/i2c';
import type { SpiController } from '../../hal/spi';

/**
 * What a backend throws when its configuration, not its hardware, is wrong (a mock part's
 * `--image` file that does not fit): the board fails to boot with it, instead of the controller
 * being reported unavailable as an absent /dev node is.
 */
export class BackendConfigError extends HilError {
  constructor(code: ErrnoCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'BackendConfigError';
  }
}

export interface BackendContext {
  readonly clock: Clock;
  /** Device name → image file backing a simulated part's memory (`--image NAME=FILE`). */
  readonly images: ReadonlyMap<string, string>;
  /** Serial port of a serprog programmer, overriding the board's `port` (`--port`). */
  readonly serialPort?: string | undefined;
}

/** An EEPROM node under an SPI controller, decoded. */
export interface SpiPart {
  readonly node: DtNode;
  readonly chipSelect: number;
  readonly config: At25Config;
}

/** An EEPROM node under an I2C controller, decoded. */
export interface I2cPart {
  readonly node: DtNode;
  readonly config: At24Config;
}

interface BackendBase {
  /** The devicetree compatible this backend drives. */
  readonly compatible: string;
  /** Short name shown by `info` (e.g. "mock", "spidev"). */
  readonly name: string;
  /** True for simulated hardware (device models), false for real chips. */
  readonly simulated: boolean;
  /** Where a device on this controller is, for people ("/dev/spidev0.0", "serprog /dev/ttyACM0"). */
  where(controller: DtNode, device: DtNode, ctx: { readonly serialPort?: string | undefined }): string;
}

export interface SpiBackend extends BackendBase {
  readonly bus: 'spi';
  open(node: DtNode, parts: readonly SpiPart[], ctx: BackendContext): Promise<SpiController>;
}

export interface I2cBackend extends BackendBase {
  readonly bus: 'i2c';
  open(node: DtNode, parts: readonly I2cPart[], ctx: BackendContext): Promise<I2cController>;
}

export interface GpioBackend extends BackendBase {
  readonly bus: 'gpio';
  open(node: DtNode, ctx: BackendContext): Promise<GpioController>;
}

export type Backend = SpiBackend | I2cBackend | GpioBackend;

export class BackendRegistry {
  private readonly byCompatible = new Map<string, Backend>();

  constructor(backends: readonly Backend[] = []) {
    for (const b of backends) this.register(b);
  }

  register(b: Backend): void {
    if (this.byCompatible.has(b.compatible)) throw new HilError('EEXIST', `a backend for ${b.compatible} is already registered`);
    this.byCompatible.set(b.compatible, b);
  }

  /** The backend for a node's compatible list (the first entry that has one), if any. */
  find(compatibles: readonly string[]): Backend | undefined {
    for (const c of compatibles) {
      const b = this.byCompatible.get(c);
      if (b) return b;
    }
    return undefined;
  }

  all(): Backend[] {
    return [...this.byCompatible.values()];
  }
}
