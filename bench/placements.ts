/**
 * The driver placements the whole-part and cost-growth suites compare, and the sessions that run
 * an operation in each:
 *
 * - (a) in kernel: caller and driver in the kernel (`Hilbridge.inKernelDriver`): no syscalls, the floor;
 * - (b) user caller, in-kernel driver: a user thread makes one EEPROM-level `ipc_call` per operation,
 *   served in the kernel (`Hilbridge.serveInKernel`): Zephyr's design;
 * - (c) user driver: the driver runs in the caller's user thread, every bus transaction a syscall: the
 *   seed's proposal; (b) and (c) over each transport;
 * - (d) for reference, what the command line does: the library in the kernel's process calling a driver
 *   thread (`openEeprom`), one call per bus read or page.
 *
 * A placement session boots the board once with no driver threads and the in-kernel server on every
 * EEPROM; the library session boots it with its driver threads. On hardware the two never hold the
 * bus at the same time (a serial programmer can be opened once).
 */
import { HilError } from '../src/abi/errno';
import type { SpawnOptions } from '../src/abi/thread-spec';
import { Hilbridge } from '../src/host/hilbridge';
import type { EepromHandle } from '../src/host/eeprom';
import type { Eeprom } from '../src/userdrivers/eeprom';
import { checkAbort, registerKernel, unregisterKernel } from './abort';
import { runProgram } from './kernel-session';
import { asCallReport, type CallJob } from './protocol';
import { SAMPLES_BYTES, SAMPLES_PARTITION } from './samples';
import { perCallAsync } from './timing';

export type PlacementKey = 'a' | 'b-sync' | 'b-port' | 'c-sync' | 'c-port' | 'd-sync';

export interface Placement {
  readonly key: PlacementKey;
  readonly label: string;
  readonly kind: 'in kernel' | 'user caller, in-kernel driver' | 'user driver' | 'library, driver thread';
  readonly transport?: 'sync' | 'port' | undefined;
}

export const PLACEMENTS: readonly Placement[] = [
  { key: 'a', label: '(a) in kernel', kind: 'in kernel' },
  { key: 'b-sync', label: '(b) user caller, in-kernel driver, sync', kind: 'user caller, in-kernel driver', transport: 'sync' },
  { key: 'b-port', label: '(b) user caller, in-kernel driver, port', kind: 'user caller, in-kernel driver', transport: 'port' },
  { key: 'c-sync', label: '(c) user driver, sync', kind: 'user driver', transport: 'sync' },
  { key: 'c-port', label: '(c) user driver, port', kind: 'user driver', transport: 'port' },
  { key: 'd-sync', label: 'library -> driver thread, sync', kind: 'library, driver thread', transport: 'sync' },
];

export function placement(key: PlacementKey): Placement {
  return PLACEMENTS.find((p) => p.key === key)!;
}

export interface TimedJob extends CallJob {
  readonly device: string;
}

export interface JobResult {
  readonly samples: Float64Array;
  /** Syscalls per operation the user thread made (undefined in the kernel). */
  readonly syscallsPerOp: number | undefined;
}

let seq = 0;

/** One boot of the board with the in-kernel server on every EEPROM: placements (a), (b) and (c). */
export class PlacementSession {
  private readonly drivers = new Map<string, Eeprom>();
  private readonly buffers = new Map<number, Uint8Array>();

  private constructor(readonly hb: Hilbridge) {}

  static async open(board: string, includeDirs: readonly string[], devices: readonly string[], serialPort?: string): Promise<PlacementSession> {
    const hb = await Hilbridge.boot({ board, includeDirs, startThreads: false, serialPort });
    try {
      for (const d of devices) hb.serveInKernel(d);
      hb.kernel.createPartition(SAMPLES_PARTITION, SAMPLES_BYTES);
    } catch (e) {
      await hb.shutdown();
      throw e;
    }
    registerKernel(hb.kernel);
    return new PlacementSession(hb);
  }

  private driver(name: string): Eeprom {
    let d = this.drivers.get(name);
    if (!d) this.drivers.set(name, (d = this.hb.inKernelDriver(name)));
    return d;
  }

  private buffer(len: number): Uint8Array {
    let b = this.buffers.get(len);
    if (!b) {
      b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (i * 7 + 3) & 0xff;
      this.buffers.set(len, b);
    }
    return b;
  }

  /** Runs the jobs (all on one device) in placement `p`, each timed separately. */
  async run(p: Placement, device: string, jobs: readonly CallJob[]): Promise<JobResult[]> {
    if (p.kind === 'in kernel') {
      const drv = this.driver(device);
      const out: JobResult[] = [];
      for (const j of jobs) {
        const buf = this.buffer(j.len);
        const op = j.op === 'read' ? () => drv.readInto(j.offset, buf) : () => drv.write(j.offset, buf, { verify: false });
        out.push({ samples: await perCallAsync(j.reps, j.warmup, () => (checkAbort(), op())), syscallsPerOp: undefined });
      }
      return out;
    }
    if (p.kind === 'library, driver thread') throw new HilError('EINVAL', 'the library placement runs in a LibrarySession');
    const mode = p.kind === 'user driver' ? 'driver' : 'ipc';
    const opts: SpawnOptions = {
      name: `bench-${p.key}-${seq++}`,
      transport: p.transport ?? 'sync',
      ...(mode === 'driver' ? { grants: [device] } : { calls: [device] }),
      args: { mode, device, jobs },
    };
    const { report, samples } = await runProgram(this.hb.kernel, 'eeprom-call', opts);
    const r = asCallReport(report, samples);
    return r.series.map((s, i) => ({ samples: s, syscallsPerOp: r.syscallsPerOp[i] }));
  }

  async close(): Promise<void> {
    unregisterKernel(this.hb.kernel);
    await this.hb.shutdown();
  }
}

/** One boot of the board with its driver threads: the library placement (d). */
export class LibrarySession {
  private readonly handles = new Map<string, EepromHandle>();
  private readonly buffers = new Map<number, Uint8Array>();

  private constructor(readonly hb: Hilbridge) {}

  static async open(board: string, includeDirs: readonly string[], transport: 'sync' | 'port', serialPort?: string): Promise<LibrarySession> {
    const hb = await Hilbridge.boot({ board, includeDirs, transport, serialPort });
    registerKernel(hb.kernel);
    return new LibrarySession(hb);
  }

  async handle(device: string): Promise<EepromHandle> {
    let h = this.handles.get(device);
    if (!h) this.handles.set(device, (h = await this.hb.openEeprom(device)));
    return h;
  }

  async run(device: string, jobs: readonly CallJob[]): Promise<JobResult[]> {
    const h = await this.handle(device);
    const out: JobResult[] = [];
    for (const j of jobs) {
      let buf = this.buffers.get(j.len);
      if (!buf) this.buffers.set(j.len, (buf = new Uint8Array(j.len).map((_, i) => (i * 7 + 3) & 0xff)));
      const data = buf;
      const op = j.op === 'read' ? () => h.readInto(j.offset, data) : () => h.write(j.offset, data, { verify: false });
      out.push({ samples: await perCallAsync(j.reps, j.warmup, () => (checkAbort(), op())), syscallsPerOp: undefined });
    }
    return out;
  }

  async close(): Promise<void> {
    unregisterKernel(this.hb.kernel);
    await this.hb.shutdown();
  }
}
