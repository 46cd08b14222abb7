/**
 * The mock buses' timing model: how long a transaction holds a real SPI or I2C bus, and the
 * runner that lets that time pass on the models' clock.
 *
 * Wire time is what the clock alone costs (the bus limit): SPI, bits / f per transfer plus its
 * `delayUs`; I2C, one bit time for each START and STOP, nine (eight bits and ACK) for the address
 * and for every data byte. The timing model adds what the host's software and controller cost
 * around the wire (per transaction, per transfer or message, per chip-select toggle); the
 * defaults describe a Raspberry Pi through Linux spidev / i2c-dev (sources in docs/benchmarks.md
 * and next to each constant). The part's write cycle (tWC) is not added here: the models keep
 * themselves busy for `writeCycleUs` of the same clock, so a driver that polls waits it out.
 *
 * `spiWireUs` and `i2cWireUs` are the bus limits a benchmark divides by; `spiTransactionUs` and
 * `i2cTransferUs` are what a timed mock charges for one successful transaction.
 */
import { HilError } from '../../abi/errno';
import type { Clock } from '../clock';

/** Costs around the wire of one SPI transaction, in microseconds. */
export interface SpiTiming {
  /**
   * Per transaction (one SPI_IOC_MESSAGE): the system call, queueing the message, chip select
   * asserted and released, and the return to the caller.
   */
  readonly transactionUs: number;
  /** Per transfer inside a transaction: the controller set up for it. */
  readonly transferUs: number;
  /** Chip select high between two transfers when the first has `csChange`. */
  readonly csChangeUs: number;
}

/**
 * spidev on a Raspberry Pi.
 * - transactionUs 15: back-to-back spidev messages from user space on a Pi leave chip select high
 *   for 10.7 µs and 19.3 µs, alternately, between messages (oscilloscope captures in
 *   raspberrypi/linux issue #4567, 2021); 15 µs is their mean.
 * - transferUs 2: an assumption, not a measurement: spi-bcm2835 programs a handful of registers
 *   per transfer (clock divider, chip select, FIFO), and short transfers (under 30 µs of wire
 *   time) are polled, not interrupt-driven, so no wake-up is paid per transfer.
 * - csChangeUs 10: the Linux SPI core's default `cs_change` delay when the transfer sets none
 *   (spidev never sets one): chip select stays high for 10 µs.
 */
export const SPI_TIMING_RPI: SpiTiming = Object.freeze({ transactionUs: 15, transferUs: 2, csChangeUs: 10 });

/** Costs around the wire of one I2C transfer, in microseconds. */
export interface I2cTiming {
  /**
   * Per system call: one I2C_RDWR ioctl for the whole transfer when the bus joins messages with
   * repeated STARTs; one read() or write() per message when it does not (i2c-dev through `i2c-bus`).
   */
  readonly transactionUs: number;
  /** Per message: the controller programmed for it and its completion interrupt. */
  readonly messageUs: number;
}

/**
 * i2c-dev on a Raspberry Pi; both are assumptions, not measurements.
 * - transactionUs 50: the spidev per-message cost above (15 µs) plus one scheduler wake-up,
 *   because i2c-bcm2835 always sleeps until its completion interrupt (a wake-up is 15-35 µs on the
 *   project machine depending on its load: a null syscall without polling, two wake-ups, measured
 *   32-70 µs in the runs docs/benchmarks.md records; tens of microseconds on a Pi).
 * - messageUs 5: i2c-bcm2835 starts the next message from its interrupt handler (interrupt
 *   latency and a few register writes).
 */
export const I2C_TIMING_RPI: I2cTiming = Object.freeze({ transactionUs: 50, messageUs: 5 });

/** What the SPI wire time of a transfer depends on (an `SpiTransfer` or a logged transfer). */
export interface SpiWireXfer {
  readonly len: number;
  /** 0 or absent: the device's clock. */
  readonly speedHz?: number | undefined;
  readonly delayUs?: number | undefined;
  /** 0 or absent: 8. Words of 9–16 bits take two bytes of the buffer, 17–32 bits four. */
  readonly bitsPerWord?: number | undefined;
}

/** What the I2C wire time of a message depends on (an `I2cMessage`). */
export interface I2cWireMsg {
  readonly buf: { readonly length: number };
}

function checkHz(hz: number, what: string): number {
  if (!(hz > 0) || !Number.isFinite(hz)) throw new HilError('EINVAL', `${what} ${hz} Hz: a bus clock must be a positive number`);
  return hz;
}

/** Microseconds one SPI transfer holds the wire: its bits at its clock, plus its `delayUs`. */
export function spiXferWireUs(x: SpiWireXfer, deviceHz: number): number {
  const hz = checkHz(x.speedHz && x.speedHz > 0 ? x.speedHz : deviceHz, 'SPI clock');
  const bpw = x.bitsPerWord && x.bitsPerWord > 0 ? x.bitsPerWord : 8;
  const bytesPerWord = bpw <= 8 ? 1 : bpw <= 16 ? 2 : 4;
  return (Math.ceil(x.len / bytesPerWord) * bpw * 1e6) / hz + (x.delayUs ?? 0);
}

/**
 * The SPI bus limit: microseconds the wire needs for one transaction of `xfers` on a device
 * clocked at `deviceHz` (each transfer's own `speedHz` wins when set), delays included.
 */
export function spiWireUs(xfers: readonly SpiWireXfer[], deviceHz: number): number {
  let us = 0;
  for (const x of xfers) us += spiXferWireUs(x, deviceHz);
  return us;
}

/** Microseconds the timing model adds around the wire of one SPI transaction. */
export function spiOverheadUs(xfers: readonly { readonly csChange?: boolean | undefined }[], timing: SpiTiming = SPI_TIMING_RPI): number {
  let toggles = 0;
  for (let i = 0; i < xfers.length - 1; i++) if (xfers[i]!.csChange) toggles++;
  return timing.transactionUs + xfers.length * timing.transferUs + toggles * timing.csChangeUs;
}

/** What a timed mock SPI bus charges for one successful transaction: wire plus overhead. */
export function spiTransactionUs(xfers: readonly (SpiWireXfer & { readonly csChange?: boolean | undefined })[], deviceHz: number, timing: SpiTiming = SPI_TIMING_RPI): number {
  return spiWireUs(xfers, deviceHz) + spiOverheadUs(xfers, timing);
}

/** I2C bit times on the wire for one successful transfer of `msgs`. */
export function i2cWireBits(msgs: readonly I2cWireMsg[], repeatedStart = true): number {
  if (msgs.length === 0) return 0;
  let bits = repeatedStart ? 1 : msgs.length; // STOP(s)
  for (const m of msgs) bits += 1 + 9 + 9 * m.buf.length; // (repeated) START, address + ACK, bytes + ACK/NACK
  return bits;
}

/**
 * The I2C bus limit: microseconds the wire needs for one transfer of `msgs` at `busHz` (the
 * bus's `clock-frequency`), with repeated STARTs between messages or, when `repeatedStart` is
 * false, a STOP and a new START.
 */
export function i2cWireUs(msgs: readonly I2cWireMsg[], busHz: number, repeatedStart = true): number {
  return (i2cWireBits(msgs, repeatedStart) * 1e6) / checkHz(busHz, 'I2C clock');
}

/** Microseconds the timing model adds around the wire of one I2C transfer. */
export function i2cOverheadUs(msgs: readonly I2cWireMsg[], repeatedStart = true, timing: I2cTiming = I2C_TIMING_RPI): number {
  const calls = repeatedStart || msgs.length === 0 ? 1 : msgs.length;
  return calls * timing.transactionUs + msgs.length * timing.messageUs;
}

/** What a timed mock I2C bus charges for one successful transfer: wire plus overhead. */
export function i2cTransferUs(msgs: readonly I2cWireMsg[], busHz: number, repeatedStart = true, timing: I2cTiming = I2C_TIMING_RPI): number {
  return i2cWireUs(msgs, busHz, repeatedStart) + i2cOverheadUs(msgs, repeatedStart, timing);
}

/** A timing model switch as a controller option: off, the defaults, or some constants replaced. */
export function resolveTiming<T extends object>(opt: boolean | Partial<T> | undefined, defaults: T, bus: string): T | undefined {
  if (opt === undefined || opt === false) return undefined;
  const t = { ...defaults, ...(opt === true ? {} : opt) };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new HilError('EINVAL', `${bus}: timing model ${k} must be a number of microseconds >= 0, not ${String(v)}`);
  }
  return Object.freeze(t);
}

/** Modelled time a mock bus has charged since it was created. */
export interface MockBusTime {
  /** Transactions (SPI) or transfers (I2C) that started, failed ones included. */
  readonly transactions: number;
  /** Wire time: what the clock alone costs (the bus limit). */
  readonly wireUs: number;
  /** Time the timing model added around the wire (0 while it is off). */
  readonly overheadUs: number;
}

/**
 * The steps of one transaction: a generator that acts on the models and yields the microseconds
 * that pass before its next action.
 */
export type BusSteps = Generator<number, void, undefined>;

/** Runs the steps at once, advancing the clock by each step (a real clock does not wait). */
export function runSteps(clock: Clock, steps: BusSteps): void {
  for (let r = steps.next(); !r.done; r = steps.next()) clock.advanceUs(r.value);
}

/**
 * Runs the steps in time: each action happens once the clock has reached the sum of the steps
 * before it, counted from the start, so a late wake-up is caught up by the next wait instead of
 * adding up. With a virtual clock this advances it by exactly the modelled time.
 */
export async function paceSteps(clock: Clock, steps: BusSteps): Promise<void> {
  let deadline = clock.nowUs();
  for (let r = steps.next(); !r.done; r = steps.next()) {
    if (r.value <= 0) continue;
    deadline += r.value;
    await clock.waitUntilUs(deadline);
  }
}
