/**
 * The GPIO hardware interface: a controller with numbered lines, each read or driven at its
 * physical level (1 = high). Active-low handling belongs to the kernel, which knows the flags the
 * devicetree gives each use of a line.
 */

export interface GpioLine {
  get(): Promise<0 | 1>;
  set(level: 0 | 1): Promise<void>;
}

export interface GpioController {
  readonly name: string;
  readonly lineCount: number;
  line(n: number): GpioLine;
  close(): Promise<void>;
}
