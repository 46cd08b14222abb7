/**
 * A simulated GPIO controller: lines idle high (pulled up) and can be wired to a model's pin, so
 * that driving the line changes what the simulated chip sees (e.g. an EEPROM's WP pin).
 */
import { HilError } from '../../abi/errno';
import type { GpioController, GpioLine } from '../gpio';

export class MockGpioController implements GpioController {
  readonly lineCount: number;
  private readonly levels: (0 | 1)[];
  private readonly listeners = new Map<number, ((level: 0 | 1) => void)[]>();

  constructor(
    readonly name: string,
    lineCount = 32,
  ) {
    this.lineCount = lineCount;
    this.levels = new Array<0 | 1>(lineCount).fill(1);
  }

  /** Wires line n to a model pin: the line starts at `initial` and `onLevel` sees every change. */
  connect(n: number, initial: 0 | 1, onLevel: (level: 0 | 1) => void): void {
    this.check(n);
    this.levels[n] = initial;
    this.listeners.set(n, [...(this.listeners.get(n) ?? []), onLevel]);
  }

  line(n: number): GpioLine {
    this.check(n);
    return {
      get: async () => this.levels[n]!,
      set: async (level) => {
        this.levels[n] = level;
        for (const f of this.listeners.get(n) ?? []) f(level);
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
