/**
 * The syscall fuzzer, kernel side. Boots a kernel on a board of its own, starts two hostile
 * threads (one per transport, programs/fuzz-hostile.ts) beside well-behaved EEPROM drivers on the
 * same buses, a restarting and a mortal IPC server for each hostile, and checks while they run:
 *
 * - every fault of a hostile thread is the fault the oracle expected for the frame in flight
 *   (read from the thread's flight recorder), and the thread reports no frame whose outcome
 *   differed from the oracle's;
 * - the kernel never throws: no 'error' event (a handler that threw something other than a
 *   HilError), no uncaught exception or rejection in the process;
 * - the well-behaved drivers keep passing a write/read-back check (the library, through their
 *   driver threads), and never fault;
 * - the bus logs hold no transaction on a device nobody was granted (tripwire parts), none on the
 *   good drivers' parts that their driver would not send, and none of the marker transfers a
 *   hostile thread sends after its own fault;
 * - the run makes progress (a stall is a failure).
 *
 * Any of these appends to `violations`; the run passes when there are none.
 */
import { ERRNO, errnoCode } from '../../../src/abi/errno';
import { parseDts } from '../../../src/devicetree';
import { Kernel } from '../../../src/kernel/kernel';
import { type MockPart, mockBoardDts } from '../../helpers/dts-board';
import { endpointHandles, harnessProgram, mockI2c, mockSpi, openEeprom, rssMiB, sleep } from '../lib/kernel';
import { Prng } from '../lib/prng';
import { runLog } from '../lib/violations';
import {
  EXPECT_KIND,
  type FuzzArgs,
  type KnownObject,
  markerFrame,
  newRecorder,
  OUTCOME_NAMES,
  REC,
  recorderText,
  SERVER_MAX_REPLY,
} from './world';

export interface FuzzOptions {
  readonly seed: number;
  /** Frames per transport. */
  readonly frames: number;
  /** A run with no progress for this long fails (default 60 s). */
  readonly stallMs?: number;
  readonly log?: (line: string) => void;
}

export interface TransportStats {
  readonly frames: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** Faults the oracle expected (and got), and faults in frames whose outcome it could not know. */
  readonly expectedFaults: number;
  readonly unpredictableFaults: number;
  readonly incarnations: number;
  readonly mismatches: number;
}

export interface FuzzResult {
  readonly seed: number;
  readonly framesPerTransport: number;
  readonly transports: Readonly<Record<'sync' | 'port', TransportStats>>;
  readonly serverRestarts: number;
  readonly mortalsDied: number;
  /** Fault to running again (the restart backoff plus a new worker), median and worst, in ms. */
  readonly restartMs: { readonly median: number; readonly max: number };
  readonly checker: { readonly ops: number; readonly failures: number };
  readonly busTransactions: number;
  readonly kernelSyscalls: number;
  readonly rssMiB: { readonly start: number; readonly end: number };
  readonly elapsedMs: number;
  readonly violations: readonly string[];
}

const TRANSPORTS = ['sync', 'port'] as const;
type Tr = (typeof TRANSPORTS)[number];

/** Bytes of each good part the write/read-back checker uses (WRITE commands stay inside). */
const REGION = 4096;
const HOSTILE_CS: Readonly<Record<Tr, number>> = { sync: 1, port: 2 };
const HOSTILE_I2C: Readonly<Record<Tr, number>> = { sync: 0x54, port: 0x55 };
/** Chip selects and addresses of parts nobody may touch (a tripwire and the endpoint-only parts). */
const NOBODYS_CS = [3, 4, 5, 6, 7];
const GOOD_I2C = 0x50;

/** The hostiles' targets, tripwires and endpoint-only parts: small and fast. */
const at25 = (label: string, cs: number, wpLine?: number): MockPart => ({
  label,
  reg: cs,
  spiMaxHz: 2_000_000,
  size: 8192,
  pageSize: 32,
  addressWidth: 16,
  writeCycleUs: 50,
  wp: wpLine === undefined ? undefined : { line: wpLine, activeLow: true },
});
const at24 = (label: string, addr: number): MockPart => ({ label, reg: addr, size: 4096, pageSize: 32, addressWidth: 16, writeCycleUs: 20 });

export const FUZZ_BOARD = mockBoardDts({
  model: 'syscall fuzzer board',
  gpioLines: 8,
  spi: {
    maxTransferBytes: 4096,
    parts: [
      { label: 'eeprom0', reg: 0, spiMaxHz: 5_000_000, size: 32768, pageSize: 64, addressWidth: 16, timeoutMs: 20, writeCycleUs: 200, wp: { line: 0, activeLow: true } },
      at25('hs_sync', HOSTILE_CS.sync, 1),
      at25('hs_port', HOSTILE_CS.port, 2),
      at25('trip_spi', 3),
      at25('vic_sync', 4),
      at25('vic_port', 5),
      at25('mort_sync', 6),
      at25('mort_port', 7),
    ],
  },
  i2c: {
    parts: [
      { label: 'eeprom1', reg: GOOD_I2C, size: 32768, pageSize: 64, addressWidth: 16, writeCycleUs: 200 },
      at24('hi_sync', HOSTILE_I2C.sync),
      at24('hi_port', HOSTILE_I2C.port),
      at24('trip_i2c', 0x56),
    ],
  },
  threads: [
    { serves: 'eeprom0', restart: 'backoff' },
    { serves: 'eeprom1', restart: 'backoff' },
  ],
});

const AT25_OPS = new Set([0x05, 0x06, 0x04]);

/** Is `tx` something the AT25 driver sends while the checker writes and reads [0, REGION)? */
function goodAt25(tx: Uint8Array): string | undefined {
  if (tx.every((b) => b === 0)) return undefined; // a receive-only transfer
  if (tx.length === 1 && AT25_OPS.has(tx[0]!)) return undefined; // RDSR, WREN, WRDI
  const addr = tx.length >= 3 ? (tx[1]! << 8) | tx[2]! : -1;
  if (tx[0] === 0x03 && tx.length === 3 && addr < REGION) return undefined; // READ header
  if (tx[0] === 0x02 && tx.length > 3 && addr + tx.length - 3 <= REGION) return undefined; // WRITE inside the region
  return `[${Array.from(tx.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}${tx.length > 8 ? ' …' : ''}] (${tx.length} bytes)`;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const t0 = performance.now();
  const { log, violations, violate } = runLog(opts.log);
  const onUncaught = (e: unknown): void => violate(`uncaught in the kernel's process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  const k = await Kernel.boot({ tree: parseDts(FUZZ_BOARD, 'fuzz-board.dts') });
  const rss0 = rssMiB();
  const spi = mockSpi(k, 'spi0');
  const i2c = mockI2c(k, 'i2c0');
  const recorders: Record<Tr, SharedArrayBuffer> = { sync: newRecorder(), port: newRecorder() };
  const hostileOf = new Map<string, Tr>(TRANSPORTS.map((tr) => [`hostile-${tr}`, tr]));
  const faultedFrames: Record<Tr, Set<number>> = { sync: new Set(), port: new Set() };
  const faults: Record<Tr, { expected: number; unpredictable: number }> = { sync: { expected: 0, unpredictable: 0 }, port: { expected: 0, unpredictable: 0 } };
  const restartMs: number[] = [];
  const faultAt = new Map<string, number>();
  k.on('thread-state', (name: string, state: string) => {
    const at = faultAt.get(name);
    if (state === 'running' && at !== undefined) {
      restartMs.push(performance.now() - at);
      faultAt.delete(name);
    }
  });
  let serverRestarts = 0;
  let mortalsDied = 0;
  let busTransactions = 0;
  let stopping = false;

  k.on('event', (ev: { kind: string; thread: string; message: string }) => {
    if (ev.kind === 'error') violate(`kernel error event (a handler threw a non-HilError) for ${ev.thread}: ${ev.message}`);
    if (ev.kind !== 'fault') return;
    const tr = hostileOf.get(ev.thread);
    const info = k.threadInfo(ev.thread);
    const code = info.lastFault?.code ?? '?';
    const reason = info.lastFault?.reason ?? ev.message;
    if (tr) {
      faultAt.set(ev.thread, performance.now());
      const w = new Int32Array(recorders[tr]);
      const frame = Atomics.load(w, REC.INFLIGHT);
      const kind = Atomics.load(w, REC.EXPECT);
      const want = Atomics.load(w, REC.CODE);
      if (frame < 0 || kind === EXPECT_KIND.NONE) violate(`${ev.thread} faulted outside a call (frame ${frame}): ${code}: ${reason}`);
      else if (kind === EXPECT_KIND.VALUE) violate(`${ev.thread} frame ${frame} faulted (${code}: ${reason}); the oracle expected a value`);
      else if (kind === EXPECT_KIND.FAULT && ERRNO[code as keyof typeof ERRNO] !== want) {
        violate(`${ev.thread} frame ${frame} faulted with ${code} (${reason}); the oracle expected ${errnoCode(want)}`);
      } else if (kind === EXPECT_KIND.FAULT) faults[tr].expected++;
      else faults[tr].unpredictable++;
      if (frame >= 0) faultedFrames[tr].add(frame);
    } else if (ev.thread.startsWith('victim-') || ev.thread.startsWith('mortal-')) {
      if (!/crashing on request/.test(reason)) violate(`server ${ev.thread} faulted for a reason of its own: ${code}: ${reason}`);
      if (ev.thread.startsWith('victim-')) serverRestarts++;
      else mortalsDied++;
    } else if (!stopping) {
      violate(`${ev.thread} faulted: ${code}: ${reason}`);
    }
  });

  /** Checks and empties the bus logs. */
  const scan = (): void => {
    for (const t of spi.log) {
      busTransactions++;
      if (NOBODYS_CS.includes(t.chipSelect)) violate(`a transaction on chip select ${t.chipSelect}, a part nobody was granted`);
      for (const x of t.xfers) {
        const m = markerFrame(x.tx);
        if (m !== undefined) {
          const tr = t.chipSelect === HOSTILE_CS.sync ? 'sync' : t.chipSelect === HOSTILE_CS.port ? 'port' : undefined;
          if (!tr) violate(`a marker transfer of frame ${m} on chip select ${t.chipSelect}`);
          else if (faultedFrames[tr].has(m)) violate(`hostile-${tr} frame ${m} faulted, yet a transfer it sent afterwards reached the bus`);
        }
        if (t.chipSelect === 0) {
          const bad = goodAt25(x.tx);
          if (bad) violate(`eeprom0 (the good driver's part) saw a transfer its driver would not send: ${bad}`);
        }
      }
    }
    spi.log.length = 0;
    for (const t of i2c.log) {
      busTransactions++;
      for (const m of t.msgs) {
        if (m.addr === HOSTILE_I2C.sync || m.addr === HOSTILE_I2C.port) continue;
        if (m.addr !== GOOD_I2C) violate(`an I2C message to 0x${m.addr.toString(16)}, an address nobody was granted`);
        else if (!m.read && m.data.length > 2 && ((m.data[0]! << 8) | m.data[1]!) + m.data.length - 2 > REGION) {
          violate(`eeprom1 (the good driver's part) saw a write outside the checker's region at 0x${((m.data[0]! << 8) | m.data[1]!).toString(16)}`);
        }
      }
    }
    i2c.log.length = 0;
  };

  // The servers each hostile calls, then what the hostiles may name.
  const fast = { maxRestarts: 1_000_000, backoffMs: 1, minRunMs: 0 };
  for (const tr of TRANSPORTS) {
    k.createPartition(`fuzz-shared-${tr}`, 16 * 1024);
    await k.spawn(harnessProgram('fuzz-server'), { name: `victim-${tr}`, serves: [`vic_${tr}`], restart: fast });
    await k.spawn(harnessProgram('fuzz-server'), { name: `mortal-${tr}`, serves: [`mort_${tr}`], restart: 'never' });
  }
  const devices = k.devices();
  const endpoints = await endpointHandles(k, devices.map((d) => d.name));
  const lines = devices.filter((d) => ['eeprom0', 'hs_sync', 'hs_port'].includes(d.name)).map((d) => `${d.name}-wp`);

  const objectsFor = (tr: Tr): KnownObject[] => {
    const mine = new Set([`hs_${tr}`, `hi_${tr}`, `hs_${tr}-wp`]);
    const calls = new Set([`vic_${tr}`, `mort_${tr}`]);
    const out: KnownObject[] = devices.map((d) => ({ handle: d.handle, type: d.type, name: d.name, granted: mine.has(d.name) }));
    for (const l of lines) out.push({ handle: k.objectHandle(l), type: 'gpio', name: l, granted: mine.has(l) });
    for (const [name, handle] of endpoints) out.push({ handle, type: 'endpoint', name, granted: calls.has(name) });
    for (const p of TRANSPORTS) out.push({ handle: k.partitionHandle(`fuzz-shared-${p}`), type: 'partition', name: `fuzz-shared-${p}`, granted: p === tr, size: 16 * 1024, inDomain: p === tr });
    for (const t of k.ps()) {
      if (t.name === `hostile-${tr}`) continue;
      out.push({ handle: k.partitionHandle(`${t.name}.private`), type: 'partition', name: `${t.name}.private`, granted: false, size: 256 * 1024, inDomain: false });
    }
    return out;
  };

  for (const [i, tr] of TRANSPORTS.entries()) {
    const args: FuzzArgs = {
      seed: opts.seed,
      stream: i,
      frames: opts.frames,
      objects: objectsFor(tr),
      targets: {
        spi: { handle: k.objectHandle(`hs_${tr}`), maxSpeedHz: 2_000_000, maxTransferBytes: 4096 },
        i2c: { handle: k.objectHandle(`hi_${tr}`), address: HOSTILE_I2C[tr], count: 1, maxTransferBytes: 8192 },
        gpio: k.objectHandle(`hs_${tr}-wp`),
        victim: endpoints.get(`vic_${tr}`)!,
        mortal: endpoints.get(`mort_${tr}`)!,
        shared: { handle: k.partitionHandle(`fuzz-shared-${tr}`), size: 16 * 1024 },
      },
      recorder: recorders[tr],
      serverMaxMsg: SERVER_MAX_REPLY,
    };
    await k.spawn(harnessProgram('fuzz-hostile'), {
      name: `hostile-${tr}`,
      transport: tr,
      confined: false,
      grants: [`hs_${tr}`, `hi_${tr}`],
      calls: [`vic_${tr}`, `mort_${tr}`],
      partitions: [`fuzz-shared-${tr}`],
      privateBytes: 128 * 1024,
      restart: fast,
      args,
    });
  }

  // The well-behaved drivers, checked while the hostiles run.
  const checker = { ops: 0, failures: 0 };
  const rng = new Prng(opts.seed, 99);
  const check = async (dev: string): Promise<void> => {
    const e = await openEeprom(k, dev);
    while (!stopping) {
      const off = rng.int(0, REGION - 1);
      const data = rng.bytes(rng.int(1, Math.min(200, REGION - off)));
      try {
        await e.write(off, data);
        const back = await e.read(off, data.length);
        if (!Buffer.from(back).equals(Buffer.from(data))) throw new Error('read-back differs');
      } catch (err) {
        checker.failures++;
        violate(`the good driver of ${dev} failed a write/read-back at ${off}: ${err instanceof Error ? err.message : String(err)}`);
      }
      checker.ops++;
    }
  };
  const checkers = [check('eeprom0'), check('eeprom1')];

  const next = (tr: Tr): number => Atomics.load(new Int32Array(recorders[tr]), REC.NEXT);
  const stallMs = opts.stallMs ?? 60_000;
  let last = TRANSPORTS.map(next);
  let lastMove = performance.now();
  let lastLog = performance.now();
  for (;;) {
    await sleep(100);
    scan();
    const now = TRANSPORTS.map(next);
    if (now.some((n, i) => n !== last[i])) lastMove = performance.now();
    last = now;
    const finished = TRANSPORTS.every((tr) => k.threadInfo(`hostile-${tr}`).state === 'exited');
    if (finished) break;
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(`fuzz: sync ${now[0]}/${opts.frames}, port ${now[1]}/${opts.frames} frames; faults ${faults.sync.expected + faults.port.expected}; checker ${checker.ops} ops`);
    }
    if (performance.now() - lastMove > stallMs) {
      const states = TRANSPORTS.map((tr) => `hostile-${tr} ${k.threadInfo(`hostile-${tr}`).state} at frame ${next(tr)}`).join(', ');
      violate(`no progress for ${stallMs} ms: ${states}`);
      break;
    }
  }
  stopping = true;
  await Promise.all(checkers);
  scan();
  const kernelSyscalls = k.stats.syscalls;
  const rss1 = rssMiB();
  await k.shutdown();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);

  const transports = {} as Record<Tr, TransportStats>;
  for (const tr of TRANSPORTS) {
    const w = new Int32Array(recorders[tr]);
    const outcomes: Record<string, number> = {};
    OUTCOME_NAMES.forEach((name, i) => (outcomes[name] = w[REC.OUTCOMES + i]!));
    outcomes.fault = faults[tr].expected;
    const lines = recorderText(recorders[tr]);
    for (const l of lines) violate(`oracle mismatch: ${l}`);
    if (w[REC.MISMATCHES]! > lines.length) violate(`hostile-${tr}: ${w[REC.MISMATCHES]! - lines.length} more mismatches than recorded`);
    if (next(tr) < opts.frames) violate(`hostile-${tr} stopped at frame ${next(tr)} of ${opts.frames}`);
    transports[tr] = {
      frames: next(tr),
      outcomes,
      expectedFaults: faults[tr].expected,
      unpredictableFaults: faults[tr].unpredictable,
      incarnations: w[REC.STARTS]!,
      mismatches: w[REC.MISMATCHES]!,
    };
    // Every fault must have been followed by a restart (the thread ended by exiting, not faulting).
    if (w[REC.STARTS]! !== faults[tr].expected + faults[tr].unpredictable + 1) {
      violate(`hostile-${tr}: ${w[REC.STARTS]} incarnations for ${faults[tr].expected + faults[tr].unpredictable} faults`);
    }
  }
  if (checker.ops === 0) violate('the well-behaved drivers were never checked');
  return {
    seed: opts.seed,
    framesPerTransport: opts.frames,
    transports,
    serverRestarts,
    mortalsDied,
    restartMs: { median: Math.round(restartMs.sort((x, y) => x - y)[Math.floor(restartMs.length / 2)] ?? 0), max: Math.round(restartMs[restartMs.length - 1] ?? 0) },
    checker,
    busTransactions,
    kernelSyscalls,
    rssMiB: { start: rss0, end: rss1 },
    elapsedMs: Math.round(performance.now() - t0),
    violations,
  };
}
