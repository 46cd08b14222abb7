/**
 * Soak: several user threads do mixed EEPROM operations for a configurable time (seconds in
 * `npm test`, an hour by hand) against three driver threads (AT25 over the sync and the port
 * transport, AT24), while the library in the kernel's process does the same on a region of its
 * own and a churn thread crashes every few operations and is restarted by its fault policy.
 *
 * It reports operations by kind, errors (every client checks what it reads against what it
 * wrote; any error is a failure), restarts, kernel syscalls, and the process's memory at the start
 * (after a warm-up) and at the end. Runs of a minute or more fail if resident memory grew by more
 * than max(64 MiB, 25 %) between the two: the kernel must not leak per operation.
 *
 * The mock buses log every transaction for tests to read (MockSpiController.log); those logs are
 * test instrumentation, so the soak empties them every second and RSS measures the kernel, the
 * drivers and IPC.
 */
import { parseDts } from '../../../src/devicetree';
import { Kernel } from '../../../src/kernel/kernel';
import { mockBoardDts } from '../../helpers/dts-board';
import { harnessProgram, mockI2c, mockSpi, openEeprom, rssMiB, sleep } from '../lib/kernel';
import { Prng } from '../lib/prng';
import { runLog } from '../lib/violations';

export interface SoakOptions {
  readonly seed: number;
  readonly durationS: number;
  /** Client threads (default 4). */
  readonly clients?: number;
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly durationS: number;
  readonly clients: number;
  readonly operations: { readonly writes: number; readonly reads: number; readonly erases: number; readonly status: number; readonly library: number; readonly total: number };
  readonly errors: number;
  readonly churnRestarts: number;
  readonly driverFaults: number;
  readonly kernelSyscalls: number;
  readonly rssMiB: { readonly start: number; readonly end: number; readonly max: number };
  readonly heapMiB: { readonly start: number; readonly end: number };
  readonly violations: readonly string[];
}

const DEVICES = ['eeprom0', 'eeprom1', 'eeprom2'] as const;

/** Every part: 32 KiB, 64-byte pages, 16-bit addresses, a 100 µs write cycle. */
const PART = { size: 32768, pageSize: 64, addressWidth: 16, writeCycleUs: 100 };

const SOAK_BOARD = mockBoardDts({
  model: 'soak board',
  spi: {
    parts: [
      { label: 'eeprom0', reg: 0, spiMaxHz: 5_000_000, ...PART },
      { label: 'eeprom2', reg: 1, spiMaxHz: 2_000_000, ...PART },
    ],
  },
  i2c: { parts: [{ label: 'eeprom1', reg: 0x50, ...PART }] },
  threads: [
    { serves: 'eeprom0', restart: 'backoff' },
    { serves: 'eeprom1', restart: 'backoff' },
    { serves: 'eeprom2', transport: 'port', restart: 'backoff' },
  ],
});

const REGION = 4096;
const MiB = 1048576;

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const { log, violations, violate } = runLog(opts.log);
  const nClients = opts.clients ?? 4;
  const k = await Kernel.boot({ tree: parseDts(SOAK_BOARD, 'soak-board.dts') });
  const spi = mockSpi(k, 'spi0');
  const i2c = mockI2c(k, 'i2c0');
  k.createPartition('soak-ctl', 4096);
  const ctl = new Int32Array(k.partitionBytes('soak-ctl').buffer);
  const clientErrors: string[] = [];
  k.on('log', (thread: string, level: string, text: string) => {
    if (thread.startsWith('client-') && level === 'error') clientErrors.push(text);
  });
  let driverFaults = 0;
  k.on('event', (ev: { kind: string; thread: string; message: string }) => {
    if (ev.kind === 'error') violate(`kernel error event for ${ev.thread}: ${ev.message}`);
    if (ev.kind === 'fault' && ev.thread.endsWith('_driver')) {
      driverFaults++;
      violate(`driver ${ev.thread} faulted: ${ev.message}`);
    }
  });

  // Clients: each on a region of its own, spread over the devices; slot nClients is the churn thread.
  for (let c = 0; c < nClients; c++) {
    const device = DEVICES[c % DEVICES.length]!;
    await k.spawn(harnessProgram('soak-client'), {
      name: `client-${c}`,
      calls: [device],
      partitions: ['soak-ctl'],
      transport: c % 2 === 0 ? 'sync' : 'port',
      args: { endpoint: device, slot: c, regionOffset: REGION * (1 + Math.floor(c / DEVICES.length)), regionLength: REGION, seed: opts.seed + c },
    });
  }
  await k.spawn(harnessProgram('soak-client'), {
    name: 'churn',
    calls: ['eeprom0'],
    partitions: ['soak-ctl'],
    restart: { maxRestarts: 1_000_000, backoffMs: 50, minRunMs: 0 },
    args: { endpoint: 'eeprom0', slot: nClients, regionOffset: 7 * REGION, regionLength: REGION, seed: opts.seed + 999, crashAfterOps: 20 },
  });

  // The library, in the kernel's process, on the first region of each device.
  let libraryOps = 0;
  let stopping = false;
  const rng = new Prng(opts.seed, 6);
  const library = (async (): Promise<void> => {
    const handles = await Promise.all(DEVICES.map((d) => openEeprom(k, d)));
    const mirrors = await Promise.all(handles.map((h) => h.read(0, REGION)));
    while (!stopping) {
      const i = rng.int(0, DEVICES.length - 1);
      const off = rng.int(0, REGION - 1);
      const len = rng.int(1, Math.min(1024, REGION - off));
      try {
        if (rng.chance(0.5)) {
          const data = rng.bytes(len);
          await handles[i]!.write(off, data);
          mirrors[i]!.set(data, off);
        } else {
          const back = await handles[i]!.read(off, len);
          if (!Buffer.from(back).equals(Buffer.from(mirrors[i]!.subarray(off, off + len)))) throw new Error(`${DEVICES[i]} read-back differs at ${off}`);
        }
        libraryOps++;
      } catch (e) {
        violate(`library: ${e instanceof Error ? e.message : String(e)}`);
        mirrors[i] = await handles[i]!.read(0, REGION);
      }
    }
  })();

  const count = (slot: number, what: number): number => Atomics.load(ctl, 8 + 8 * slot + what);
  const sum = (what: number): number => Array.from({ length: nClients }, (_, c) => count(c, what)).reduce((a, b) => a + b, 0);
  const durationMs = opts.durationS * 1000;
  const warmupMs = Math.min(Math.max(2000, durationMs * 0.1), 60_000);
  const t0 = performance.now();
  let rssStart = 0;
  let heapStart = 0;
  let rssMax = 0;
  let lastLog = t0;
  while (performance.now() - t0 < durationMs) {
    await sleep(Math.min(1000, durationMs));
    spi.log.length = 0;
    i2c.log.length = 0;
    const rss = rssMiB();
    rssMax = Math.max(rssMax, rss);
    if (rssStart === 0 && performance.now() - t0 >= warmupMs) {
      rssStart = rss;
      heapStart = Math.round((process.memoryUsage().heapUsed / MiB) * 10) / 10;
    }
    if (performance.now() - lastLog > 60_000) {
      lastLog = performance.now();
      log(`soak: ${Math.round((performance.now() - t0) / 1000)} s, ${sum(0) + sum(1) + sum(2) + sum(3) + libraryOps} operations, RSS ${rss} MiB`);
    }
  }
  if (rssStart === 0) {
    rssStart = rssMiB();
    heapStart = Math.round((process.memoryUsage().heapUsed / MiB) * 10) / 10;
  }
  const rssEnd = rssMiB();
  const heapEnd = Math.round((process.memoryUsage().heapUsed / MiB) * 10) / 10;
  Atomics.store(ctl, 0, 1);
  stopping = true;
  await library;
  for (let c = 0; c < nClients; c++) {
    const info = await k.waitForThread(`client-${c}`);
    if (info.state !== 'exited') violate(`client-${c} ended ${info.state}: ${info.lastFault?.reason ?? ''}`);
  }
  const churnRestarts = k.threadInfo('churn').counters.restarts;
  const kernelSyscalls = k.stats.syscalls;
  await k.shutdown();
  const errors = sum(4);
  for (const e of clientErrors.slice(0, 20)) violate(`client error: ${e}`);
  if (errors > clientErrors.length) violate(`${errors} client errors`);
  const ops = { writes: sum(0), reads: sum(1), erases: sum(2), status: sum(3), library: libraryOps };
  const total = ops.writes + ops.reads + ops.erases + ops.status + ops.library;
  if (total === 0) violate('no operation completed');
  if (opts.durationS >= 60 && rssEnd - rssStart > Math.max(64, rssStart * 0.25)) {
    violate(`resident memory grew from ${rssStart} MiB to ${rssEnd} MiB over the run`);
  }
  return {
    seed: opts.seed,
    durationS: opts.durationS,
    clients: nClients,
    operations: { ...ops, total },
    errors,
    churnRestarts,
    driverFaults,
    kernelSyscalls,
    rssMiB: { start: rssStart, end: rssEnd, max: rssMax },
    heapMiB: { start: heapStart, end: heapEnd },
    violations,
  };
}
