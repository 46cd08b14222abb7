/**
 * A simulated GPIO controller: lines idle high (pulled up) and can be wired to a model's pin, so
 * that driving the line changes what the simulated chip sees (e.g. an EEPROM's WP pin).
 *
 * `request()` behaves like a real chip's: one holder per line (EBUSY otherwise), outputs start at
 * their requested level, inputs refuse `set` (EPERM), and a released line goes back to an input at
 * the level of its pull resistor (idle high without one).
 */
import { HilError } from '../../abi/errno';
import { DEFAULT_GPIO_CONSUMER, type GpioController, type GpioLine, type GpioLineConfig, type GpioLineHandle, type GpioLineRequest, type PinInput } from '../gpio';

export class MockGpioController implements GpioController {
  readonly lineCount: number;
  private readonly levels: (0 | 1)[];
  private readonly listeners = new Map<number, ((level: 0 | 1) => void)[]>();
  /** Consumer of each requested line. */
  private readonly holders = new Map<number, string>();
  private readonly handles = new Set<GpioLineHandle>();

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

  /** Wires line n to a simulated part's pin: the line takes the pin's level and drives it from now on. */
  wire(n: number, pin: PinInput): void {
    this.connect(n, pin.level(), (level) => pin.drive(level));
  }

  /** Who holds line n, if anyone (for tests and `ps`-like views). */
  holder(n: number): string | undefined {
    return this.holders.get(n);
  }

  line(n: number): GpioLine {
    this.check(n);
    return {
      get: async () => this.levels[n]!,
      set: async (level) => this.drive(n, level),
    };
  }

  async request(n: number, req: GpioLineRequest): Promise<GpioLineHandle> {
    this.check(n);
    const held = this.holders.get(n);
    if (held !== undefined) throw new HilError('EBUSY', `${this.name} line ${n} is already held by "${held}": release it first`);
    this.holders.set(n, req.consumer ?? DEFAULT_GPIO_CONSUMER);
    let direction = req.direction;
    let released = false;
    let bias = req.bias;
    const apply = (c: GpioLineConfig): void => {
      direction = c.direction;
      bias = c.bias;
      if (c.direction === 'output') this.drive(n, c.initial);
      else if (c.bias === 'pull-up' || c.bias === 'pull-down') this.drive(n, c.bias === 'pull-up' ? 1 : 0);
    };
    apply(req);
    const alive = (what: string): void => {
      if (released) throw new HilError('EBADF', `${this.name} line ${n} was released: request it again before ${what}`);
    };
    const handle: GpioLineHandle = {
      offset: n,
      get direction() {
        return direction;
      },
      get: async () => {
        alive('reading it');
        return this.levels[n]!;
      },
      set: async (level) => {
        alive('driving it');
        if (direction !== 'output') throw new HilError('EPERM', `${this.name} line ${n} is an input: reconfigure it as an output to drive it`);
        this.drive(n, level);
      },
      reconfigure: async (c) => {
        alive('reconfiguring it');
        apply(c);
      },
      release: async () => {
        if (released) return;
        released = true;
        this.handles.delete(handle);
        this.holders.delete(n);
        this.drive(n, bias === 'pull-down' ? 0 : 1); // back to an input: its pull resistor decides, else idle high
      },
    };
    this.handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.release()));
  }

  private drive(n: number, level: 0 | 1): void {
    this.levels[n] = level;
    for (const f of this.listeners.get(n) ?? []) f(level);
  }

  private check(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.lineCount) throw new HilError('EINVAL', `${this.name} has no line ${n} (it has ${this.lineCount})`);
  }
}
