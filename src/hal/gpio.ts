/**
 * The GPIO hardware interface: a controller with numbered lines, each read or driven at its
 * physical level (1 = high). Active-low handling belongs to the kernel, which knows the flags the
 * devicetree gives each use of a line.
 *
 * Simulated parts expose their control pins (`PartPins`) and a simulated controller's line can
 * be wired to one, which stands for the copper between a real GPIO and a real chip's pin.
 */

/** An input pin of a simulated part (an EEPROM's WP or HOLD), at its physical level. */
export interface PinInput {
  level(): 0 | 1;
  drive(level: 0 | 1): void;
}

/** The control pins a simulated part exposes, by name. */
export type PartPins = Readonly<Partial<Record<'wp' | 'hold', PinInput>>>;

export interface GpioLine {
  get(): Promise<0 | 1>;
  set(level: 0 | 1): Promise<void>;
  /** Simulated controllers only: connects the line to a simulated part's pin (the line takes the pin's level). */
  wire?(pin: PinInput): void;
}

export interface GpioController {
  readonly name: string;
  readonly lineCount: number;
  line(n: number): GpioLine;
  close(): Promise<void>;
}
