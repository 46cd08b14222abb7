/**
 * DTS text for the small mock boards tests and reliability harnesses boot: one simulated SPI bus
 * (`spi0: spi@0`) of AT25 parts, one simulated I2C bus (`i2c0: i2c@1`) of AT24 parts, optionally
 * a simulated GPIO controller (`gpio0: gpio@9`) for WP/HOLD lines, and an `eeprom-server` driver
 * thread per served part under `threads`. Each board states only what sets it apart (geometry,
 * write-cycle time, timeouts, restart policy, transport); the boilerplate of controllers and
 * thread nodes is written here once, in the layout dts/mock.dts uses.
 *
 * No Jest here: the reliability harnesses (test/harness, built by tsc) use it too.
 */

/** A line of `gpio0`: `<&gpio0 LINE FLAGS>`, FLAGS 1 when the line is active low. */
export interface MockGpioLine {
  readonly line: number;
  readonly activeLow: boolean;
}

/** An EEPROM node: "atmel,at25" on the SPI bus, "atmel,at24" on the I2C bus. */
export interface MockPart {
  readonly label: string;
  /** Chip select (SPI) or 7-bit address (I2C). */
  readonly reg: number;
  /** SPI only. */
  readonly spiMaxHz?: number;
  readonly size: number;
  readonly pageSize: number;
  readonly addressWidth?: number;
  /** The node's `timeout` (ms). */
  readonly timeoutMs?: number;
  /** The simulated chip's write cycle (`hilbridge,model-write-cycle-us`). */
  readonly writeCycleUs?: number;
  readonly wp?: MockGpioLine;
  readonly hold?: MockGpioLine;
}

export interface MockBus {
  readonly parts: readonly MockPart[];
  readonly maxTransferBytes?: number;
  readonly clockHz?: number;
  /** `hilbridge,timing-model`: transactions take the time the wire would. */
  readonly timingModel?: boolean;
}

/** A user thread running the built-in `eeprom-server` for one part: `LABEL_driver: LABEL-driver`. */
export interface MockDriverThread {
  /** The label of the part it is granted and serves. */
  readonly serves: string;
  readonly transport?: 'sync' | 'port';
  readonly restart?: 'never' | 'backoff';
}

export interface MockBoard {
  readonly model: string;
  /** `#address-cells = <1>; #size-cells = <0>;` at the root, as dts/mock.dts has them. */
  readonly rootCells?: boolean;
  /** `gpio0: gpio@9` with this many lines. */
  readonly gpioLines?: number;
  readonly spi?: MockBus;
  readonly i2c?: MockBus;
  /** No `threads` node when empty. */
  readonly threads?: readonly MockDriverThread[];
}

const cell = (name: string, value: number | string | undefined): string[] => (value === undefined ? [] : [`${name} = <${value}>;`]);

/** Lines indented by `depth` tabs. */
const indent = (depth: number, lines: readonly string[]): string[] => lines.map((l) => `${'\t'.repeat(depth)}${l}`);

function gpioRef(board: MockBoard, part: MockPart, prop: string, g: MockGpioLine | undefined): string[] {
  if (!g) return [];
  if (board.gpioLines === undefined) throw new Error(`${part.label}: ${prop} needs gpioLines (the gpio0 controller)`);
  return [`${prop} = <&gpio0 ${g.line} ${g.activeLow ? 1 : 0}>;`];
}

function partNode(board: MockBoard, bus: 'spi' | 'i2c', p: MockPart): string[] {
  const unit = bus === 'spi' ? String(p.reg) : p.reg.toString(16);
  return [
    `${p.label}: eeprom@${unit} {`,
    ...indent(1, [
      `compatible = "${bus === 'spi' ? 'atmel,at25' : 'atmel,at24'}";`,
      ...cell('reg', bus === 'spi' ? p.reg : `0x${unit}`),
      ...cell('spi-max-frequency', p.spiMaxHz),
      ...cell('size', p.size),
      ...cell('pagesize', p.pageSize),
      ...cell('address-width', p.addressWidth),
      ...cell('timeout', p.timeoutMs),
      ...cell('hilbridge,model-write-cycle-us', p.writeCycleUs),
      ...gpioRef(board, p, 'wp-gpios', p.wp),
      ...gpioRef(board, p, 'hold-gpios', p.hold),
    ]),
    '};',
  ];
}

function busNode(board: MockBoard, bus: 'spi' | 'i2c', b: MockBus): string[] {
  const reg = bus === 'spi' ? 0 : 1;
  return [
    `${bus}0: ${bus}@${reg} {`,
    ...indent(1, [
      `compatible = "hilbridge,mock-${bus}";`,
      `reg = <${reg}>;`,
      '#address-cells = <1>;',
      '#size-cells = <0>;',
      ...cell('max-transfer-bytes', b.maxTransferBytes),
      ...cell('clock-frequency', b.clockHz),
      ...(b.timingModel ? ['hilbridge,timing-model;'] : []),
      ...b.parts.flatMap((p) => partNode(board, bus, p)),
    ]),
    '};',
  ];
}

function threadNode(t: MockDriverThread): string[] {
  return [
    `${t.serves}_driver: ${t.serves}-driver {`,
    ...indent(1, [
      'compatible = "hilbridge,user-thread";',
      'program = "eeprom-server";',
      `hilbridge,grants = <&${t.serves}>;`,
      `hilbridge,serves = <&${t.serves}>;`,
      ...(t.transport ? [`transport = "${t.transport}";`] : []),
      ...(t.restart ? [`restart = "${t.restart}";`] : []),
    ]),
    '};',
  ];
}

/** The board as DTS source text. */
export function mockBoardDts(board: MockBoard): string {
  const threads = board.threads ?? [];
  const body = [
    `model = "${board.model}";`,
    ...(board.rootCells ? ['#address-cells = <1>;', '#size-cells = <0>;'] : []),
    ...(board.gpioLines === undefined
      ? []
      : ['gpio0: gpio@9 {', ...indent(1, ['compatible = "hilbridge,mock-gpio";', 'reg = <9>;', 'gpio-controller;', '#gpio-cells = <2>;', `ngpios = <${board.gpioLines}>;`]), '};']),
    ...(board.spi ? busNode(board, 'spi', board.spi) : []),
    ...(board.i2c ? busNode(board, 'i2c', board.i2c) : []),
    ...(threads.length > 0 ? ['threads {', ...indent(1, ['compatible = "hilbridge,threads";', ...threads.flatMap(threadNode)]), '};'] : []),
  ];
  return ['/dts-v1/;', '/ {', ...indent(1, body), '};', ''].join('\n');
}
