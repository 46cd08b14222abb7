/**
 * Hardened JavaScript (the `ses` package) as the worker's trusted half uses it: loading the
 * library (through a V8 code cache the kernel keeps for later workers, which roughly halves the
 * load time), `lockdown()` with the options hilbridge needs, and typed access to the globals SES
 * installs (`harden`, `Compartment`), declared here rather than globally so that no other module
 * can use them by accident.
 *
 * Options that differ from SES's defaults, and why:
 * - errorTaming 'unsafe': V8 stack traces stay, so a fault names the program's source lines;
 * - errorTrapping / unhandledRejectionTrapping 'none': an uncaught error must reach hilbridge's
 *   own handlers (the thread faults) instead of being printed and swallowed;
 * - consoleTaming 'unsafe': the trusted half keeps Node's console; programs get their own
 *   console (the log syscall), never Node's.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export interface CompartmentLike {
  readonly globalThis: Record<PropertyKey, unknown>;
  evaluate(code: string): unknown;
}

export interface SesGlobals {
  harden<T>(x: T): T;
  readonly Compartment: new (opts: { __options__: true; name?: string; globals?: Record<string, unknown> }) => CompartmentLike;
}

interface SesInstall {
  lockdown(options: Record<string, string>): void;
}

/** Loads the SES library into this thread; `cache` is a V8 code cache from an earlier worker. */
export function loadSes(cache: Uint8Array | undefined): Script {
  const file = require.resolve('ses');
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cache ? { cachedData: Buffer.from(cache.buffer, cache.byteOffset, cache.byteLength) } : {}),
  });
  const init = script.runInThisContext() as (e: object, r: NodeRequire, m: { exports: object }, f: string, d: string) => void;
  const mod = { exports: {} };
  init(mod.exports, require, mod, file, dirname(file));
  return script;
}

/** Freezes the shared intrinsics (and the few SES leaves unfrozen) with hilbridge's options. */
export function lockdownWorker(): SesGlobals {
  const g = globalThis as unknown as SesInstall & SesGlobals;
  g.lockdown({
    errorTaming: 'unsafe',
    errorTrapping: 'none',
    unhandledRejectionTrapping: 'none',
    consoleTaming: 'unsafe',
    stackFiltering: 'verbose',
    overrideTaming: 'moderate',
    evalTaming: 'safe-eval',
    reporting: 'none',
  });
  // lockdown leaves these shared objects mutable; a program reaches them from any partition view.
  g.harden(SharedArrayBuffer);
  g.harden(Atomics);
  return g;
}

/** The SES globals, once lockdown has run. */
export function sesGlobals(): SesGlobals {
  const g = globalThis as unknown as Partial<SesGlobals>;
  if (typeof g.harden !== 'function' || typeof g.Compartment !== 'function') throw new Error('SES is not loaded in this thread');
  return g as SesGlobals;
}
