/**
 * The GPIO hardware interface: a controller with numbered lines, each read or driven at its
 * physical level (1 = high). Active-low handling belongs to the kernel, which knows the flags the
 * devicetree gives each use of a line.
 *
 * Two ways to use a line:
 * - `request(n, …)`: claim it explicitly, as a real chip needs — a consumer name others see (Linux
 *   `gpioinfo`), a direction, and for outputs the level driven from the very first moment (so a
 *   WP line never glitches). The handle holds the line until `release()` or the controller's
 *   `close()`; a line someone else holds is EBUSY.
 * - `line(n)`: quick access for code that only gets and sets. A backend that must claim lines
 *   (the Linux GPIO character device) claims on first use: `get` leaves the direction as it is,
 *   `set` makes the line an output at that level.
 *
 * Simulated parts expose their control pins (`PartPins`), and a simulated controller can wire a
 * line to one (`wire`), which stands for the copper between a real GPIO and a real chip's pin.
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
}

export type GpioBias = 'as-is' | 'pull-up' | 'pull-down' | 'disabled';
export type GpioDrive = 'push-pull' | 'open-drain' | 'open-source';

/** Direction and electrical settings of a requested line. */
export type GpioLineConfig =
  | { readonly direction: 'input'; readonly bias?: GpioBias }
  | {
      readonly direction: 'output';
      /** Physical level driven from the moment the line is claimed or reconfigured. */
      readonly initial: 0 | 1;
      readonly drive?: GpioDrive;
      readonly bias?: GpioBias;
    };

export type GpioLineRequest = GpioLineConfig & {
  /** Who holds the line, as `gpioinfo` shows it (default "hilbridge"; at most 31 bytes). */
  readonly consumer?: string;
};

export interface GpioLineHandle extends GpioLine {
  readonly offset: number;
  readonly direction: 'input' | 'output';
  /** Changes direction or settings without letting go of the line. */
  reconfigure(config: GpioLineConfig): Promise<void>;
  /** Lets go of the line (idempotent); get/set afterwards are EBADF. */
  release(): Promise<void>;
}

export interface GpioController {
  readonly name: string;
  readonly lineCount: number;
  line(n: number): GpioLine;
  /** Claims line n; EBUSY if another user holds it, EINVAL if n is out of range. */
  request(n: number, req: GpioLineRequest): Promise<GpioLineHandle>;
  /** Releases every line claimed through this controller, then the controller itself. */
  close(): Promise<void>;
  /** Simulated controllers only: connects line n to a simulated part's pin (the line takes the pin's level). */
  wire?(n: number, pin: PinInput): void;
}

/** The consumer name hilbridge uses when a request names none. */
export const DEFAULT_GPIO_CONSUMER = 'hilbridge';
