/**
 * A simulated GPIO controller: lines idle high (pulled up) and can be wired to a simulated part's
 * pin, so that driving the line changes what the simulated chip sees (e.g. an EEPROM's WP pin).
 */
import { HilError } from '../../abi/errno';
import type { GpioController, GpioLine, PinInput } from '../gpio';

export class MockGpioController implements GpioController {
  readonly lineCount: number;
  private readonly levels: (0 | 1)[];
  private readonly wires = new Map<number, PinInput[]>();

  constructor(
    readonly name: string,
    lineCount = 32,
  ) {
    this.lineCount = lineCount;
    this.levels = new Array<0 | 1>(lineCount).fill(1);
  }

  line(n: number): GpioLine {
    this.check(n);
    return {
      get: async () => this.levels[n]!,
      set: async (level) => {
        this.levels[n] = level;
        for (const p of this.wires.get(n) ?? []) p.drive(level);
      },
      wire: (pin) => {
        this.levels[n] = pin.level();
        this.wires.set(n, [...(this.wires.get(n) ?? []), pin]);
      },
    };
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  private check(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.lineCount) throw new HilError('EINVAL', `${this.name} has no line ${n} (it has ${this.lineCount})`);
  }
}
