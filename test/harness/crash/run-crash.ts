/**
 * Crash mid-write: a driver thread dies at a random point of a multi-page write, again and again,
 * and every time the chip and the kernel are left as the design promises.
 *
 * Each iteration writes 2–6 pages through the library (one IPC call per page, to the driver
 * thread) and crashes the driver at a random point: it throws before or after its n-th bus
 * transfer (programs/crashy-eeprom-server.ts, n drawn from the transfers a whole write takes), or
 * the kernel kills it after a random number of event-loop turns (Kernel.kill), which can land in
 * a syscall, between two, in a write-cycle poll, in a read-back, or between two page calls. The
 * buses run the timing model, so transactions take time and a kill can land while one is on the
 * wire. Two drivers: an AT25 on SPI over the sync transport, an AT24 on I2C over the port one.
 *
 * After each crash:
 * - the bus is free: a transaction on another part of the same bus completes, within 100 ms of
 *   the fault (the full run enforces the 100 ms; the short run in `npm test` only that it happens);
 * - chip select is released (AT25) / no transfer is open (AT24), and once the write cycle has
 *   ended the AT25's write-enable latch is clear;
 * - the pages hold new data up to the page in flight and old data after it, the page in flight one
 *   or the other, never a mix; every page the library was told was written holds the new data;
 * - the fault policy restarted the driver, and the next operation (the same write again, then a
 *   read-back) succeeds.
 */
import { parseDts } from '../../../src/devicetree';
import { At24Model } from '../../../src/hal/mock/at24-model';
import { AT25_SR, At25Model } from '../../../src/hal/mock/at25-model';
import type { EepromHandle } from '../../../src/host/eeprom';
import { Kernel } from '../../../src/kernel/kernel';
import type { SpiDeviceApi, I2cDeviceApi } from '../../../src/user/device-api';
import { mockBoardDts } from '../../helpers/dts-board';
import { after, harnessProgram, mockI2c, mockSpi, openEeprom, waitUntil } from '../lib/kernel';
import { Prng } from '../lib/prng';
import { runLog } from '../lib/violations';

export interface CrashOptions {
  readonly seed: number;
  /** Crashes to inject (attempts whose crash would land after the write do not count). */
  readonly crashes: number;
  /** Longest time from the fault to a free bus that passes (default 100 ms; the short run relaxes it). */
  readonly busFreeMs?: number;
  readonly log?: (line: string) => void;
}

export interface CrashResult {
  readonly seed: number;
  /** Writes attempted; a crash drawn past the end of its write did not happen. */
  readonly attempts: number;
  /** Faults injected, by kind, and how many of them landed while the write was in flight. */
  readonly injected: { readonly throwBefore: number; readonly throwAfter: number; readonly kill: number };
  readonly midWrite: number;
  readonly restarts: number;
  readonly pagesChecked: number;
  /** Pages found torn (neither old nor new), and acknowledged bytes that did not hold the new data. */
  readonly tornPages: number;
  readonly bytesLost: number;
  readonly latchLeftSet: number;
  readonly busFreeMs: { readonly median: number; readonly max: number };
  readonly elapsedMs: number;
  readonly violations: readonly string[];
}

const PAGE = 64;
const REGION_PAGES = 256; // the first 16 KiB of each part
const fast = { maxRestarts: 1_000_000, backoffMs: 1, minRunMs: 0 };

/**
 * The two drivers' parts, each with a neighbour on its bus for the bus-free probe; no driver
 * threads in the board (the harness spawns its crashy ones).
 */
export const CRASH_BOARD = mockBoardDts({
  model: 'crash harness board',
  spi: {
    timingModel: true,
    parts: [
      { label: 'eeprom0', reg: 0, spiMaxHz: 5_000_000, size: 32768, pageSize: PAGE, addressWidth: 16, timeoutMs: 50, writeCycleUs: 300 },
      { label: 'neighbour_spi', reg: 1, spiMaxHz: 5_000_000, size: 8192, pageSize: 32, addressWidth: 16 },
    ],
  },
  i2c: {
    clockHz: 1_000_000,
    timingModel: true,
    parts: [
      { label: 'eeprom1', reg: 0x50, size: 32768, pageSize: PAGE, addressWidth: 16, timeoutMs: 50, writeCycleUs: 300 },
      { label: 'neighbour_i2c', reg: 0x51, size: 4096, pageSize: 32, addressWidth: 16 },
    ],
  },
});

interface Target {
  readonly device: string;
  readonly driver: string;
  readonly slot: number;
  readonly transport: 'sync' | 'port';
  readonly memory: Uint8Array;
  /** Chip select asserted / a transfer open on the part. */
  busy(): boolean;
  /** The write cycle is over; then the latch state (undefined: the part has none). */
  settled(): { cycleOver: boolean; latch: boolean | undefined };
  /** One transaction on another part of the same bus. */
  probe(): Promise<void>;
  eeprom: EepromHandle;
}

export async function runCrash(opts: CrashOptions): Promise<CrashResult> {
  const t0 = performance.now();
  const { log, violations, violate } = runLog(opts.log);
  const limitMs = opts.busFreeMs ?? 100;
  const k = await Kernel.boot({ tree: parseDts(CRASH_BOARD, 'crash-board.dts') });
  k.createPartition('crash-plan', 64);
  const plan = new Int32Array(k.partitionBytes('crash-plan').buffer);
  await k.spawn(harnessProgram('crashy-eeprom-server'), { name: 'drv0', serves: ['eeprom0'], grants: ['eeprom0'], partitions: ['crash-plan'], transport: 'sync', restart: fast, args: { slot: 0 } });
  await k.spawn(harnessProgram('crashy-eeprom-server'), { name: 'drv1', serves: ['eeprom1'], grants: ['eeprom1'], partitions: ['crash-plan'], transport: 'port', restart: fast, args: { slot: 1 } });

  const spi = mockSpi(k, 'spi0');
  const i2c = mockI2c(k, 'i2c0');
  const m25 = spi.model(0) as At25Model;
  const m24 = i2c.model(0x50) as At24Model;
  const nSpi = k.deviceApi('neighbour_spi') as SpiDeviceApi;
  const nI2c = k.deviceApi('neighbour_i2c') as I2cDeviceApi;
  const rdsr = Uint8Array.of(0x05);
  const sr = new Uint8Array(1);
  const targets: Target[] = [
    {
      device: 'eeprom0',
      driver: 'drv0',
      slot: 0,
      transport: 'sync',
      memory: m25.memory,
      busy: () => m25.chipSelected,
      settled: () => {
        const s = m25.status();
        return { cycleOver: (s & AT25_SR.WIP) === 0, latch: (s & AT25_SR.WEL) !== 0 };
      },
      probe: () => nSpi.transfer([{ tx: rdsr, len: 1 }, { rx: sr, len: 1 }]),
      eeprom: await openEeprom(k, 'eeprom0'),
    },
    {
      device: 'eeprom1',
      driver: 'drv1',
      slot: 1,
      transport: 'port',
      memory: m24.memory,
      busy: () => m24.addressed,
      settled: () => ({ cycleOver: !m24.busy(), latch: undefined }),
      probe: () => nI2c.transfer([{ addr: 0x51, read: false, buf: Uint8Array.of(0, 0) }, { addr: 0x51, read: true, buf: new Uint8Array(1) }]),
      eeprom: await openEeprom(k, 'eeprom1'),
    },
  ];

  // Faults as the kernel records them, and when: the bus-free clock starts there.
  const faults = new Map<string, { count: number; at: number; code: string }>();
  let probing: Promise<number> | undefined;
  let probeTarget: Target | undefined;
  k.on('event', (ev: { kind: string; thread: string; message: string }) => {
    if (ev.kind === 'error') violate(`kernel error event for ${ev.thread}: ${ev.message}`);
    if (ev.kind !== 'fault') return;
    const f = faults.get(ev.thread) ?? { count: 0, at: 0, code: '' };
    f.count++;
    f.at = performance.now();
    const last = k.threadInfo(ev.thread).lastFault;
    f.code = last?.code ?? '?';
    faults.set(ev.thread, f);
    const injectedCrash = (f.code === 'EFAULT' && /injected crash/.test(last?.reason ?? '')) || (f.code === 'ECANCELED' && /crash harness/.test(last?.reason ?? ''));
    if (!injectedCrash) violate(`${ev.thread} faulted, and not by an injected crash: ${f.code}: ${last?.reason ?? ev.message}`);
    if (probeTarget && probeTarget.driver === ev.thread && !probing) {
      const started = f.at;
      probing = probeTarget.probe().then(() => performance.now() - started);
    }
  });
  const faultCount = (driver: string): number => faults.get(driver)?.count ?? 0;

  /** Transfers, event-loop turns and milliseconds a whole write of `pages` takes (no crash). */
  const calibrate = async (t: Target, pages: number): Promise<{ transfers: number; turns: number }> => {
    Atomics.store(plan, 2 * t.slot, 1_000_000);
    let turns = 0;
    let writing = true;
    const spin = (): void => {
      if (!writing) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const base = 300 * PAGE;
    const data = Uint8Array.from({ length: pages * PAGE }, (_, i) => (t.memory[base + i]! ^ 0x5a) & 0xff);
    await t.eeprom.write(base, data);
    writing = false;
    const transfers = 1_000_000 - Atomics.exchange(plan, 2 * t.slot, 0);
    return { transfers, turns };
  };
  const perPage = new Map<string, { transfers: number; turns: number }>();
  for (const t of targets) {
    const c = await calibrate(t, 4);
    perPage.set(t.device, { transfers: c.transfers / 4, turns: c.turns / 4 });
  }

  const injected = { throwBefore: 0, throwAfter: 0, kill: 0 };
  let midWrite = 0;
  let pagesChecked = 0;
  let tornPages = 0;
  let bytesLost = 0;
  let latchLeftSet = 0;
  const busFree: number[] = [];

  const total = (): number => injected.throwBefore + injected.throwAfter + injected.kill;
  let i = 0;
  for (; total() < opts.crashes && i < opts.crashes * 3; i++) {
    const rng = new Prng(opts.seed, 3, i);
    const t = rng.pick(targets);
    const pages = rng.int(2, 6);
    const base = rng.int(0, REGION_PAGES - pages) * PAGE;
    const len = pages * PAGE;
    const old = t.memory.slice(base, base + len);
    const data = Uint8Array.from(old, (b) => b ^ rng.int(1, 255));
    const mode = rng.pick(['throw-before', 'throw-after', 'kill'] as const);
    const cal = perPage.get(t.device)!;
    const faultsBefore = faultCount(t.driver);
    let acked = 0;
    probing = undefined;
    probeTarget = t;
    let writing = true;
    if (mode === 'kill') {
      // After a random number of event-loop turns within the write's span, from outside the thread.
      let turns = rng.int(0, Math.ceil(cal.turns * pages * 1.1));
      const tick = (): void => {
        if (!writing) return; // past the end of the write: no crash this time
        if (turns-- > 0) setImmediate(tick);
        else if (k.threadInfo(t.driver).state === 'running') k.kill(t.driver, 'crash harness');
      };
      setImmediate(tick);
    } else {
      Atomics.store(plan, 2 * t.slot + 1, mode === 'throw-before' ? 0 : 1);
      Atomics.store(plan, 2 * t.slot, rng.int(1, Math.ceil(cal.transfers * pages)));
    }
    const outcome = await t.eeprom.write(base, data, { onProgress: (p) => (acked = p.done) }).then(
      () => 'ok' as const,
      (e: unknown) => e,
    );
    writing = false;
    Atomics.store(plan, 2 * t.slot, 0);
    const crashed = faultCount(t.driver) > faultsBefore;
    if (!crashed && outcome !== 'ok') violate(`iteration ${i}: ${t.device} write failed without a crash: ${String(outcome)}`);
    if (crashed) {
      if (mode === 'kill') injected.kill++;
      else if (mode === 'throw-before') injected.throwBefore++;
      else injected.throwAfter++;
      if (outcome !== 'ok') {
        midWrite++;
        const code = (outcome as { code?: unknown }).code;
        if (code !== 'EOWNERDEAD') violate(`iteration ${i}: ${t.device} write failed with ${String(code)} (${String(outcome)}); a crashed driver's call must fail with EOWNERDEAD`);
      }
      // The bus: free again, soon.
      const freeMs = probing ? await Promise.race([probing, after(10_000, Infinity)]) : 0;
      busFree.push(freeMs);
      if (freeMs > limitMs) violate(`iteration ${i}: the bus of ${t.device} was free only ${Math.round(freeMs)} ms after the crash (limit ${limitMs} ms)`);
      if (t.busy()) violate(`iteration ${i}: ${t.device} still selected / addressed after the crash`);
    }
    // The chip: latch clear once the write cycle is over.
    if (!(await waitUntil(() => t.settled().cycleOver, 1000))) violate(`iteration ${i}: ${t.device} still in a write cycle after 1 s`);
    if (t.settled().latch) {
      latchLeftSet++;
      violate(`iteration ${i}: ${t.device} write-enable latch left set (${mode})`);
    }
    // The pages: new up to the page in flight, old after it, none torn; acknowledged bytes are new.
    let firstNotNew = pages;
    for (let p = 0; p < pages; p++) {
      const got = t.memory.subarray(base + p * PAGE, base + (p + 1) * PAGE);
      const isNew = Buffer.from(got).equals(Buffer.from(data.subarray(p * PAGE, (p + 1) * PAGE)));
      const isOld = Buffer.from(got).equals(Buffer.from(old.subarray(p * PAGE, (p + 1) * PAGE)));
      pagesChecked++;
      if (!isNew && !isOld) {
        tornPages++;
        bytesLost += PAGE;
        violate(`iteration ${i}: ${t.device} page ${(base >> 6) + p} is torn (neither old nor new) after a ${mode} crash`);
      }
      if (!isNew && firstNotNew === pages) firstNotNew = p;
      if (p > firstNotNew && !isOld) violate(`iteration ${i}: ${t.device} page ${(base >> 6) + p} holds new data after a page that does not`);
      if ((p + 1) * PAGE <= acked && !isNew) {
        bytesLost += PAGE;
        violate(`iteration ${i}: ${t.device} page ${(base >> 6) + p} was acknowledged as written but does not hold the new data`);
      }
    }
    if (outcome === 'ok' && firstNotNew !== pages) violate(`iteration ${i}: ${t.device} write succeeded but page ${firstNotNew} is not new`);
    // The policy restarted the driver; the next operation succeeds.
    if (crashed && !(await waitUntil(() => k.threadInfo(t.driver).state === 'running', 10_000, 2))) {
      violate(`iteration ${i}: ${t.driver} was not restarted (state ${k.threadInfo(t.driver).state})`);
      break;
    }
    try {
      await t.eeprom.write(base, data);
      const back = await t.eeprom.read(base, len);
      if (!Buffer.from(back).equals(Buffer.from(data))) violate(`iteration ${i}: ${t.device} read-back after the restart differs`);
    } catch (e) {
      violate(`iteration ${i}: the operation after the crash failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (i % 50 === 49) log(`crash: ${total()}/${opts.crashes} crashes in ${i + 1} writes, ${midWrite} mid-write`);
  }
  probeTarget = undefined;
  const restarts = targets.reduce((n, t) => n + k.threadInfo(t.driver).counters.restarts, 0);
  const faultsTotal = targets.reduce((n, t) => n + faultCount(t.driver), 0);
  if (restarts !== faultsTotal) violate(`${faultsTotal} driver faults but ${restarts} restarts`);
  await k.shutdown();
  busFree.sort((a, b) => a - b);
  return {
    seed: opts.seed,
    attempts: i,
    injected,
    midWrite,
    restarts,
    pagesChecked,
    tornPages,
    bytesLost,
    latchLeftSet,
    busFreeMs: { median: Math.round((busFree[Math.floor(busFree.length / 2)] ?? 0) * 100) / 100, max: Math.round((busFree[busFree.length - 1] ?? 0) * 100) / 100 },
    elapsedMs: Math.round(performance.now() - t0),
    violations,
  };
}
