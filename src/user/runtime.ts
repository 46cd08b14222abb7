/**
 * The user thread's runtime: its name, syscall stubs, memory domain, granted objects, factories
 * for the driver-facing device APIs, and the program console (report, log). `hilbridge/user`
 * programs get it as the argument of their `main(rt)`.
 *
 * Its state lives in #private fields and it is hardened before a confined program sees it, so
 * what a program can reach from `rt` is exactly these methods and the memory of its own domain:
 * no transport, no port, no syscall page, no Node object (a test walks the graph to prove it).
 */
import type { BootInfo, ObjectGrant } from '../abi/boot-info';
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import type { BusBuffer } from '../abi/lease';
import { LOG_MAX, REPORT_MAX, type ObjectType } from '../abi/syscalls';
import type { DriverEnv } from './device-api';
import { UserI2cDevice } from './i2c';
import { isLease } from './lease';
import { UserMemory } from './memory';
import { UserSpiDevice } from './spi';
import { Sys } from './syscall';
import type { Transport } from './transport';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A granted GPIO line; values are logical: 1 = asserted. */
export interface GpioLineApi {
  get(): Promise<0 | 1>;
  set(value: 0 | 1): Promise<void>;
}

const encoder = new TextEncoder();

export class UserRuntime {
  readonly #name: string;
  readonly #sys: Sys;
  readonly #memory: UserMemory;
  readonly #objects: ObjectGrant[];
  readonly #serves: readonly string[];
  readonly #args: unknown;
  readonly #env: DriverEnv;
  readonly #freeze: <T>(x: T) => T;
  /** Where report and log messages are staged (allocated at the first one). */
  #consoleBuf: Uint8Array | undefined;
  #consoleChain: Promise<unknown> = Promise.resolve();

  /**
   * `control` receives the runtime's private controls (add a run-time grant, wait until every
   * call in flight has finished); the bootstrap keeps them, and a program constructing its own
   * runtime only fools itself: the kernel checks every grant. `freeze` hardens every object the
   * runtime hands out (SES `harden` in a confined thread).
   */
  constructor(boot: BootInfo, transport: Transport, opts: { control?: (c: RuntimeControl) => void; freeze?: <T>(x: T) => T } = {}) {
    const freeze = opts.freeze ?? (<T>(x: T): T => x);
    this.#freeze = freeze;
    this.#name = boot.threadName;
    this.#sys = new Sys(transport);
    this.#memory = new UserMemory(boot.partitions, boot.privatePartition);
    this.#objects = [...boot.objects];
    this.#serves = Object.freeze([...boot.serves]);
    this.#args = boot.args;
    const sys = this.#sys;
    const mem = this.#memory;
    this.#env = freeze({
      nowMs: () => performance.now(),
      sleepUs: async (us: number) => {
        await sys.call('sleep', Math.max(0, Math.min(10_000_000, Math.round(us))));
      },
      alloc: (len: number) => mem.alloc(len),
      copy: (dst: Uint8Array, src: BusBuffer) => copyInto(sys, mem, dst, src),
    });
    freeze(this.#sys);
    freeze(this.#memory);
    opts.control?.({
      addGrant: (o) => this.#objects.push(freeze(o)),
      settled: async () => {
        await this.#consoleChain;
        await mem.settled();
        await transport.idle();
      },
    });
  }

  get name(): string {
    return this.#name;
  }

  get sys(): Sys {
    return this.#sys;
  }

  get memory(): UserMemory {
    return this.#memory;
  }

  /** Names of the endpoints (devices) this thread serves. */
  get serves(): readonly string[] {
    return this.#serves;
  }

  /** Plain data the spawner handed the program. */
  get args(): unknown {
    return this.#args;
  }

  /** What a driver needs besides its bus: clock, sleep, memory of this domain, lease copies. */
  get env(): DriverEnv {
    return this.#env;
  }

  /** Descriptions of what this thread was granted (a copy). */
  get objects(): readonly ObjectGrant[] {
    return this.#freeze([...this.#objects]);
  }

  /** A granted object by name (device label or path, endpoint name). */
  object(name: string, type?: ObjectType): ObjectGrant {
    const o = this.#objects.find((x) => (x.name === name || x.path === name) && (type === undefined || x.type === type));
    if (!o) {
      throw new HilError('EPERM', `${this.#name} holds no grant on "${name}" (granted: ${this.#objects.map((x) => x.name).join(', ') || 'nothing'})`);
    }
    return o;
  }

  spi(name: string): UserSpiDevice {
    const o = this.object(name, 'spi_device');
    return this.#freeze(new UserSpiDevice(this.#sys, this.#memory, o.handle, o.maxTransferBytes ?? 4096));
  }

  i2c(name: string): UserI2cDevice {
    const o = this.object(name, 'i2c_device');
    return this.#freeze(new UserI2cDevice(this.#sys, this.#memory, o.handle, o.maxTransferBytes ?? 4096, o.repeatedStart ?? false));
  }

  /** A granted GPIO line (e.g. "eeprom0-wp"); values are logical: 1 = asserted. */
  gpio(name: string): GpioLineApi {
    const o = this.object(name, 'gpio');
    const sys = this.#sys;
    return this.#freeze({
      get: async (): Promise<0 | 1> => ((await sys.call('gpio_get', o.handle))[0] === 1 ? 1 : 0),
      set: async (value: 0 | 1): Promise<void> => {
        await sys.call('gpio_set', o.handle, value);
      },
    });
  }

  config(name: string): EepromConfig {
    const c = this.#objects.find((x) => (x.name === name || x.path === name) && x.config)?.config;
    if (!c) throw new HilError('ENODATA', `${name} has no driver configuration`);
    return c;
  }

  /** Handle of an endpoint this thread serves or may call (named after the device it fronts). */
  endpoint(name: string): number {
    const o = this.#objects.find((x) => x.type === 'endpoint' && x.name === name);
    if (!o) throw new HilError('EPERM', `${this.#name} holds no grant on endpoint "${name}"`);
    return o.handle;
  }

  /**
   * Sends a JSON value to the kernel's `report` event (results of test and benchmark programs),
   * through the `report` syscall. Resolves false when the kernel's rate limit dropped it.
   */
  report(data: unknown): Promise<boolean> {
    let text: string;
    try {
      text = JSON.stringify(data) ?? 'null';
    } catch (e) {
      return Promise.reject(new HilError('EINVAL', `report: the value cannot be sent as JSON (${e instanceof Error ? e.message : String(e)})`));
    }
    const bytes = encoder.encode(text);
    if (bytes.length > REPORT_MAX) return Promise.reject(new HilError('EMSGSIZE', `report: ${bytes.length} bytes of JSON; at most ${REPORT_MAX}`));
    return this.#console('report', bytes);
  }

  /** A line of console output to the kernel's `log` event; long lines are cut at LOG_MAX bytes. */
  log(level: LogLevel, text: string): Promise<boolean> {
    const n = LEVELS[level];
    if (n === undefined) return Promise.reject(new HilError('EINVAL', `log level ${String(level)} is not one of debug, info, warn, error`));
    let bytes = encoder.encode(String(text));
    if (bytes.length > LOG_MAX) bytes = bytes.subarray(0, LOG_MAX);
    return this.#console('log', bytes, n);
  }

  /**
   * One console syscall. The message is staged in a buffer of its own (never the syscall scratch,
   * which an awaited transfer may still be using): on the synchronous transport the call is made
   * at once, so a report is out before the next statement runs; on the port transport the calls
   * are chained so that one staged message is never overwritten by the next.
   */
  #console(which: 'report' | 'log', bytes: Uint8Array, level = 0): Promise<boolean> {
    const sys = this.#sys;
    const mem = this.#memory;
    const call = (): boolean | Promise<boolean> => {
      const buf = (this.#consoleBuf ??= mem.alloc(REPORT_MAX)).subarray(0, bytes.length);
      buf.set(bytes);
      const ref = mem.ref(buf)!;
      const refused = (e: unknown): boolean => {
        if (e instanceof HilError && e.code === 'EAGAIN') return false;
        throw e;
      };
      if (sys.kind === 'sync') {
        try {
          if (which === 'report') sys.callSync('report', ref);
          else sys.callSync('log', level, ref);
          return true;
        } catch (e) {
          return refused(e);
        }
      }
      return (which === 'report' ? sys.call('report', ref) : sys.call('log', level, ref)).then(() => true, refused);
    };
    if (sys.kind === 'sync') {
      try {
        return Promise.resolve(call());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const run = this.#consoleChain.then(call);
    this.#consoleChain = run.catch(() => undefined);
    return run;
  }
}

/** What only the bootstrap holds of a runtime. */
export interface RuntimeControl {
  addGrant(o: ObjectGrant): void;
  /** Resolves when every call in flight (transfers, console messages) has finished. */
  settled(): Promise<void>;
}

/** `DriverEnv.copy` in a user thread: a lease is read with the mem_copy syscall, memory directly. */
async function copyInto(sys: Sys, mem: UserMemory, dst: Uint8Array, src: BusBuffer): Promise<void> {
  if (src instanceof Uint8Array) {
    dst.set(src.length > dst.length ? src.subarray(0, dst.length) : src);
    return;
  }
  if (!isLease(src)) throw new HilError('EINVAL', 'copy: the source must be a Uint8Array or a lease window');
  const n = Math.min(dst.length, src.length);
  const target = dst.subarray(0, n);
  const ref = mem.ref(target);
  const from = { part: src.lease, off: src.offset, len: n };
  if (ref) {
    await sys.call('mem_copy', ref, from);
    return;
  }
  await mem.withScratch(async () => {
    const bounce = mem.scratch(n);
    await sys.call('mem_copy', mem.ref(bounce)!, from);
    target.set(bounce);
  });
}

let current: UserRuntime | undefined;

/** The runtime of the current user thread (set by the bootstrap before the program loads). */
export function runtime(): UserRuntime {
  if (!current) throw new HilError('EPERM', 'not running in a hilbridge user thread (programs are started by Kernel.spawn)');
  return current;
}

/** Bootstrap only: not exported by hilbridge/user. */
export function setRuntime(rt: UserRuntime): void {
  current = rt;
}
