/**
 * User mode is a boundary: a hostile program tries every class of escape from its SES
 * Compartment, over both transports. For each one: the attempt fails, the kernel is alive, the
 * board's driver thread still writes and reads back its EEPROM, and the bus saw nothing from the
 * hostile thread. Programs that crash or exhaust their thread are stopped as faults and the
 * kernel carries on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyError } from '../../src/abi/ipc-interface';
import { EepromHandle } from '../../src/host/eeprom';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, reports } from '../helpers/kernel-board';
import { mockSpi } from '../helpers/mock-bus';

const ROOT = join(__dirname, '..', '..');
const ESCAPE = join(__dirname, '..', 'fixtures', 'programs', 'escape.js');

let k: Kernel;
let seq = 0;

beforeEach(async () => {
  k = await bootTestKernel({ watchdog: { intervalMs: 50, headroomBytes: 256 * 1024 * 1024 } });
});
afterEach(async () => {
  await k.shutdown();
});

async function stillServes(): Promise<void> {
  const e = await EepromHandle.open('eeprom0', async (msg, leases) => {
    const r = await k.call('eeprom0', msg, leases.map((l) => ({ bytes: l.buf, access: l.access })));
    if (r.status < 0) throw replyError(r.status, r.reply);
    return r.reply;
  });
  const data = Uint8Array.from([9, 8, 7, 6, 5], (x) => x ^ (seq & 0xff));
  await e.write(62, data);
  expect(Array.from(await e.read(62, 5))).toEqual(Array.from(data));
}

interface Outcome {
  readonly what: string;
  readonly escaped: boolean;
  readonly why?: string;
}

/** Runs escape.js in one mode with no grants; returns its reports and the thread's end. */
async function escape(mode: string, transport: 'sync' | 'port', args: Record<string, unknown> = {}, n = 1) {
  const name = `escape-${++seq}`;
  const before = mockSpi(k, 'spi0').log.length;
  const got = n > 0 ? reports(k, name, n) : Promise.resolve([]);
  await k.spawn(ESCAPE, { name, transport, args: { mode, ...args } });
  const outcomes = (await got) as Outcome[];
  const info = await k.waitForThread(name);
  expect(mockSpi(k, 'spi0').log.length).toBe(before); // nothing from the hostile thread reached the bus
  return { outcomes, info };
}

const ATTEMPTS: [string, number, () => Record<string, unknown>][] = [
  ['require-builtins', 12, () => ({})],
  ['native-addons', 5, () => ({ addonPath: join(ROOT, 'node_modules', 'spi-device', 'build', 'Release', 'spi.node') })],
  [
    'files-outside',
    5,
    () => ({
      outside: join(tmpdir(), 'hilbridge-outside.js'),
      kernelModule: join(ROOT, 'dist', 'src', 'kernel', 'kernel.js'),
      bootstrap: join(ROOT, 'dist', 'src', 'user', 'bootstrap.js'),
    }),
  ],
  ['process', 7, () => ({})],
  ['module-internals', 6, () => ({})],
  ['eval', 6, () => ({})],
  ['function-constructors', 13, () => ({})],
  ['prepare-stack-trace', 1, () => ({})],
  ['worker', 7, () => ({})],
  ['walk-for-port', 1, () => ({})],
];

describe.each(['sync', 'port'] as const)('over the %s transport', (transport) => {
  it.each(ATTEMPTS)('%s: every attempt fails, the kernel and the other driver carry on', async (mode, n, args) => {
    writeFileSync(join(tmpdir(), 'hilbridge-outside.js'), 'module.exports = require("fs");');
    const { outcomes, info } = await escape(mode, transport, args(), n);
    for (const o of outcomes) expect({ what: o.what, escaped: o.escaped }).toEqual({ what: o.what, escaped: false });
    expect(info.state).toBe('exited');
    await stillServes();
  });

  it.each([
    ['throw-null', /threw null/],
    ['throw-undefined', /threw undefined/],
    ['throw-proxy', /./],
    ['throw-getters', /./],
    ['reject-later', /rejected in a timer/],
  ])('%s is a fault of the thread; the kernel carries on', async (mode, reason) => {
    const { info } = await escape(mode, transport, {}, 0);
    expect(info.state).toBe('faulted');
    expect(info.lastFault?.reason).toMatch(reason);
    await stillServes();
  });

  it('a report flood is rate-limited and counted; the kernel stays responsive', async () => {
    const { outcomes, info } = await escape('report-flood', transport, { count: 3000 }, 0).then(async (r) => r);
    void outcomes;
    expect(info.state).toBe('exited');
    expect(info.counters.dropped).toBeGreaterThan(0);
    await stillServes();
  });
});

describe('resources', () => {
  it('a JS heap bomb ends its own thread with ENOMEM', async () => {
    const { info } = await escape('heap-bomb', 'sync', {}, 0);
    expect(info.state).toBe('faulted');
    expect(info.lastFault?.code).toBe('ENOMEM');
    await stillServes();
  });

  it.each(['buffer-bomb-async', 'buffer-bomb-sync'])('an ArrayBuffer bomb (%s) is stopped at its budget before the process is at risk', async (mode) => {
    const rss0 = process.memoryUsage.rss();
    const { info } = await escape(mode, 'sync', {}, 0);
    expect(info.state).toBe('faulted');
    expect(info.lastFault?.code).toBe('ENOMEM');
    expect(info.lastFault?.reason).toMatch(/ArrayBuffer|memory/);
    expect(process.memoryUsage.rss() - rss0).toBeLessThan(2 * 1024 * 1024 * 1024);
    await stillServes();
  });

  it('a log flood is rate-limited, counted and never stalls the kernel', async () => {
    let lines = 0;
    const count = (): void => void lines++;
    k.on('log', count);
    const { info } = await escape('log-flood', 'sync', { count: 4000 }, 1);
    k.off('log', count);
    expect(info.counters.dropped).toBeGreaterThan(0);
    expect(lines).toBeLessThan(4000);
    await stillServes();
  });

  it('a busy loop while holding the bus lock is faulted at the lock timeout and frees the bus', async () => {
    const name = `escape-${++seq}`;
    const locked = reports(k, name);
    await k.spawn(ESCAPE, { name, grants: ['eeprom0'], args: { mode: 'busy-with-lock', device: 'eeprom0', timeoutMs: 200 } });
    await locked;
    const info = await k.waitForThread(name);
    expect(info.lastFault?.code).toBe('ETIMEDOUT');
    await stillServes();
  });

  it('scribbling over every reachable SharedArrayBuffer harms only the thread itself', async () => {
    const { outcomes, info } = await escape('tamper-memory', 'sync', {}, 2);
    expect(outcomes[1]).toMatchObject({ escaped: false, buffers: 1 });
    expect(info.state).toBe('exited');
    await stillServes();
  });
});

describe('what a confined program does have', () => {
  it('the clock, randomness, timers, TextEncoder, Buffer and Float64Array', async () => {
    const { outcomes } = await escape('globals', 'sync', {}, 1);
    expect(outcomes[0]).toMatchObject({ date: true, random: true, perf: true, timers: true, textEncoder: true, buffer: '0102', float64: true });
  });
});

describe('existing programs keep working', () => {
  it('the user-program guide\'s example as it stood before confinement runs unchanged', async () => {
    const got = reports(k, 'legacy');
    await k.spawn(join(__dirname, '..', 'fixtures', 'programs', 'legacy-doc-example.js'), { name: 'legacy', grants: ['eeprom0'] });
    expect((await got)[0]).toEqual({ first16: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await k.waitForThread('legacy')).state).toBe('exited');
  });
});

describe('loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-confine-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a program whose source holds an import() expression is refused at load, naming file and line', async () => {
    const file = join(dir, 'imports.js');
    writeFileSync(file, 'exports.main = async () => {\n  const fs = await import("fs");\n};\n');
    await k.spawn(file, { name: 'imports' });
    const info = await k.waitForThread('imports');
    expect(info.state).toBe('faulted');
    expect(info.lastFault?.reason).toMatch(/failed to load .*imports\.js.*import expression rejected at file:\/\/.*imports\.js:2/s);
  });

  it('a TypeScript program fault names its own .ts line (source maps)', async () => {
    const ts = await import('typescript');
    const src = ['export async function main(): Promise<void> {', '  const n: number = 1;', '  if (n > 0) {', '    throw new Error("from line 4 of the TypeScript");', '  }', '}', ''].join('\n');
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true }, fileName: 'prog.ts' });
    writeFileSync(join(dir, 'prog.ts'), src);
    writeFileSync(join(dir, 'prog.js'), out.outputText);
    writeFileSync(join(dir, 'prog.js.map'), out.sourceMapText!);
    await k.spawn(join(dir, 'prog.js'), { name: 'ts-prog' });
    const info = await k.waitForThread('ts-prog');
    expect(info.lastFault?.reason).toMatch(/from line 4 of the TypeScript/);
    expect(info.lastFault?.reason).toMatch(/prog\.ts:4:\d+/);
  });

  it('an unconfined (trusted) program does have all of Node: the switch is real', async () => {
    const file = join(dir, 'trusted.js');
    writeFileSync(file, 'exports.main = async (rt) => { await rt.report({ fs: typeof require("fs").readFileSync }); };');
    const got = reports(k, 'trusted');
    await k.spawn(file, { name: 'trusted', confined: false });
    expect((await got)[0]).toEqual({ fs: 'function' });
    expect(k.threadInfo('trusted').confined).toBe(false);
  });
});
