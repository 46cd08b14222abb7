/**
 * The globals a confined program gets beyond the JavaScript language itself ("endowments"), each
 * a hardened wrapper that holds no Node object a program could walk from:
 *
 * - console: log/info/warn/error/debug, formatted here and sent through the `log` syscall;
 * - timers (setTimeout, setInterval, setImmediate and their clear*), queueMicrotask: they take
 *   and return plain numbers, never Node's Timeout objects (whose internal links lead to
 *   `process`);
 * - performance.now, Date and Math with their clock and randomness (a compartment's own throw);
 * - Float32Array, Float64Array, Atomics, SharedArrayBuffer (hardened), Buffer (hardened: for
 *   programs written to Node habits; its pool holds only this thread's own bytes).
 *
 * Nothing else of Node: no process, require (each module gets a confined one), import(), fetch,
 * Worker or WebAssembly.
 */
import type { LogLevel, UserRuntime } from '../runtime';

type Callback = (...args: unknown[]) => unknown;

function format(args: readonly unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (typeof a !== 'object' || a === null) return String(a);
      if (a instanceof Error) return a.stack ?? `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return Object.prototype.toString.call(a);
      }
    })
    .join(' ');
}

function timers(): Record<string, Callback> {
  const live = new Map<number, { clear: () => void }>();
  let next = 1;
  const check = (fn: unknown, what: string): Callback => {
    if (typeof fn !== 'function') throw new TypeError(`${what}: the callback must be a function`);
    return fn as Callback;
  };
  const arm = (make: (run: () => void) => { clear: () => void }, fn: Callback, args: unknown[], once: boolean): number => {
    const id = next++;
    live.set(
      id,
      make(() => {
        if (once) live.delete(id);
        fn(...args);
      }),
    );
    return id;
  };
  const clear = (id: unknown): void => {
    if (typeof id !== 'number') return;
    live.get(id)?.clear();
    live.delete(id);
  };
  const ms = (v: unknown): number => (typeof v === 'number' && v > 0 ? v : 0);
  return {
    setTimeout: (fn: unknown, delay?: unknown, ...args: unknown[]) =>
      arm((run) => { const h = setTimeout(run, ms(delay)); return { clear: () => clearTimeout(h) }; }, check(fn, 'setTimeout'), args, true),
    setInterval: (fn: unknown, delay?: unknown, ...args: unknown[]) =>
      arm((run) => { const h = setInterval(run, ms(delay)); return { clear: () => clearInterval(h) }; }, check(fn, 'setInterval'), args, false),
    setImmediate: (fn: unknown, ...args: unknown[]) =>
      arm((run) => { const h = setImmediate(run); return { clear: () => clearImmediate(h) }; }, check(fn, 'setImmediate'), args, true),
    clearTimeout: clear,
    clearInterval: clear,
    clearImmediate: clear,
    queueMicrotask: (fn: unknown) => {
      const f = check(fn, 'queueMicrotask');
      queueMicrotask(() => void f());
    },
  };
}

/**
 * Node's Buffer, with the class its species getter hands out (Node's internal FastBuffer), which
 * hardening Buffer itself does not reach.
 */
function bufferWithSpecies(harden: <T>(x: T) => T): typeof Buffer {
  harden((Buffer as unknown as Record<symbol, unknown>)[Symbol.species]);
  return Buffer;
}

/** The endowments for one program, bound to its runtime's console; `harden` them before use. */
export function endowments(rt: UserRuntime, harden: <T>(x: T) => T): Record<string, unknown> {
  const say = (level: LogLevel) => (...args: unknown[]): void => {
    void rt.log(level, format(args)).catch(() => undefined);
  };
  const now = (): number => performance.now();
  return {
    console: { log: say('info'), info: say('info'), warn: say('warn'), error: say('error'), debug: say('debug'), trace: say('debug') },
    ...timers(),
    performance: { now },
    Date,
    Math,
    Float32Array,
    Float64Array,
    Atomics,
    SharedArrayBuffer,
    Buffer: bufferWithSpecies(harden),
  };
}
