/**
 * The hilbridge kernel: owns the hardware, the object table and the user threads, and serves
 * their syscalls. This file is the facade that puts the parts together and the public API:
 *
 * - board/: devicetree → backends (by compatible) → device and control-line objects;
 * - threads.ts: thread lifecycle, faults and restarts (asking each thread's fault policy,
 *   supervisor.ts); dispatch.ts + verify.ts + handlers/: the syscall path;
 * - ipc.ts: endpoints, calls and leases; console.ts: report/log; watchdog.ts: memory budgets;
 * - here: names → objects (the one lookup of a device by label or path), partitions, grants,
 *   boot and shutdown.
 *
 * Nothing a thread sends can make the kernel throw, and the kernel assumes nothing about who
 * calls it: several clients (the library, a service) may use one booted kernel at once.
 */
import { EventEmitter, once } from 'node:events';
import type { TransportKind } from '../abi/boot-info';
import type { EepromConfig } from '../abi/device-config';
import { HilError } from '../abi/errno';
import type { IpcResult } from '../abi/ipc-interface';
import { LEASE_READ, LEASE_WRITE, type LeaseAccess } from '../abi/lease';
import { DEFAULT_SPIN_US, MAX_SPIN_US, newSyscallPage } from '../abi/page';
import type { SpawnOptions, ThreadSpec } from '../abi/thread-spec';
import type { DtTree } from '../devicetree/tree';
import { type Clock, RealClock } from '../hal/clock';
import type { GpioController } from '../hal/gpio';
import type { I2cController } from '../hal/i2c';
import type { SpiController } from '../hal/spi';
import type { I2cDeviceApi, SpiDeviceApi } from '../user/device-api';
import { type BackendRegistry } from './board/backend';
import { type Board, buildBoard, type UnavailableBus, UnavailableError } from './board/board';

export { UnavailableError } from './board/board';
import { builtinBackends } from './board/builtin-backends';
import { type ConsoleLimits, type LogLevel, ProgramConsole } from './console';
import type { KernelServices, KernelStats } from './context';
import type { DispatchHooks } from './dispatch';
import { EventLog, type KernelEvent } from './events';
import { i2cDeviceOverHal, spiDeviceOverHal } from './inkernel';
import { grantOf, threadInfo, type ThreadInfo } from './introspect';
import { IpcService } from './ipc';
import type { EndpointObject, GpioObject, I2cDeviceObject, InKernelServer, PartitionObject, SpiDeviceObject } from './kobjects';
import { ObjectTable } from './objects';
import { resolveProgram } from './paths';
import { policyFor } from './supervisor';
import { type ResolvedThread, type ThreadState, UserThread } from './thread';
import { ThreadManager } from './threads';
import { MemoryWatchdog, type WatchdogOptions } from './watchdog';

export type { ThreadInfo } from './introspect';
export type { KernelEvent } from './events';
export type { KernelStats } from './context';
export type { SpawnOptions, ThreadSpec } from '../abi/thread-spec';

export interface BootOptions {
  readonly tree: DtTree;
  readonly clock?: Clock;
  /** Device name → image file backing a simulated part (`--image NAME=FILE`). */
  readonly images?: ReadonlyMap<string, string>;
  /** Start the threads the devicetree declares (default true). */
  readonly startThreads?: boolean;
  /** Transport for the declared threads, overriding the board (e.g. `--transport`). */
  readonly transport?: TransportKind;
  /** Serial port of a serprog programmer, overriding the board's `port` (`--port`). */
  readonly serialPort?: string | undefined;
  /** Backends by compatible (default: the built-in ones). */
  readonly backends?: BackendRegistry;
  /** Memory watchdog settings; false turns it off. */
  readonly watchdog?: WatchdogOptions | false;
  readonly consoleLimits?: ConsoleLimits;
}

export interface BusInfo {
  readonly name: string;
  readonly path: string;
  readonly kind: 'spi' | 'i2c' | 'gpio';
  readonly backend: string;
  readonly simulated: boolean;
  /** Why the controller could not be opened, when it could not. */
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

export interface DeviceInfo {
  readonly name: string;
  /** Kernel object handle (what a granted thread names the device by). */
  readonly handle: number;
  readonly path: string;
  readonly type: 'spi_device' | 'i2c_device';
  /** Label (or path) of the controller the device sits on. */
  readonly bus: string;
  readonly backend: string;
  readonly simulated: boolean;
  readonly config: EepromConfig | undefined;
  readonly maxTransferBytes: number;
  /** The thread that serves its endpoint ("kernel" for an in-kernel server), if any. */
  readonly servedBy: string | undefined;
}

/** What a caller in the kernel's process lends to a server for one call: memory of its own. */
export interface LentBuffer {
  readonly bytes: Uint8Array;
  readonly access: LeaseAccess;
}

const DEFAULT_PRIVATE_BYTES = 256 * 1024;
const DEFAULT_HEAP_MB = 128;
const DEFAULT_BUFFER_MB = 64;

type DeviceObject = SpiDeviceObject | I2cDeviceObject;

export class Kernel extends EventEmitter {
  readonly objects = new ObjectTable();
  readonly stats: KernelStats = { syscalls: 0, denials: 0, faults: 0, bytesCopied: 0, bySyscall: {} };
  readonly clock: Clock;
  private readonly log: EventLog;
  private readonly ipc: IpcService;
  private readonly console: ProgramConsole;
  private readonly threads: ThreadManager;
  private readonly partitions = new Map<string, PartitionObject>();
  private readonly watchdog: MemoryWatchdog | undefined;
  private board!: Board;

  private constructor(opts: BootOptions) {
    super();
    this.clock = opts.clock ?? new RealClock();
    this.log = new EventLog((ev) => this.emit('event', ev));
    this.ipc = new IpcService(this.objects, (ep) => this.wake(ep));
    this.console = new ProgramConsole(
      { report: (thread, data) => this.emit('report', thread, data), log: (thread, level, text) => this.emit('log', thread, level, text) },
      opts.consoleLimits,
    );
    const services: KernelServices = {
      objects: this.objects,
      ipc: this.ipc,
      console: this.console,
      stats: this.stats,
      fault: (t, syscall, code, reason) => this.threads.fault(t, syscall, code, reason),
    };
    const hooks: DispatchHooks = {
      denied: (t, message) => this.log.record('denied', t.name, message),
      error: (t, message) => this.log.record('error', t.name, message),
    };
    this.threads = new ThreadManager({
      services,
      hooks,
      events: this.log,
      stateChanged: (t, s) => this.emit('thread-state', t.name, s),
      releaseBuses: (owner, reason) => {
        for (const a of new Set(this.deviceObjects().map((d) => d.arbiter))) a.releaseAll(owner, reason);
        // Lines the thread drove go back to their safe state: WP asserted, HOLD inactive.
        for (const l of this.board.gpioLines) {
          if (l.lastDriver !== owner) continue;
          l.lastDriver = undefined;
          void l.set(l.safeLevel).catch((e: unknown) => this.log.record('error', owner, `cannot put ${l.name} back to its safe level: ${String(e)}`));
        }
      },
      workerOutput: (t, stream, text) => this.emit('log', t.name, (stream === 'stderr' ? 'warn' : 'info') satisfies LogLevel, text.replace(/\n$/, '')),
    });
    if (opts.watchdog !== false) {
      this.watchdog = new MemoryWatchdog(
        () => this.threads.all().filter((t) => t.alive),
        (t, reason) => this.threads.fault(t, 'memory', 'ENOMEM', reason),
        opts.watchdog,
      );
    }
  }

  static async boot(opts: BootOptions): Promise<Kernel> {
    const k = new Kernel(opts);
    k.board = await buildBoard(opts.tree, k.objects, opts.backends ?? builtinBackends(), {
      clock: k.clock,
      images: opts.images ?? new Map(),
      serialPort: opts.serialPort,
    });
    for (const d of k.deviceObjects()) k.ipc.createEndpoint(d.name);
    try {
      for (const p of k.board.partitions) k.createPartition(p.name, p.size);
      // A thread whose devices the board could not give (an unusable node, a controller that did
      // not open) is not started; the rest of the board works, and the warning says why.
      const runnable = k.board.threads.filter((t) => {
        const why = k.whyNotRunnable(t);
        if (why) k.board.warnings.push(`thread ${t.name} is not started: ${why}`);
        return !why;
      });
      for (const w of k.board.warnings) k.log.record('warning', '-', w);
      k.watchdog?.start();
      if (opts.startThreads !== false) {
        for (const t of runnable) await k.spawnSpec({ ...t, ...(opts.transport ? { transport: opts.transport } : {}) });
      }
    } catch (e) {
      await k.shutdown();
      throw e;
    }
    return k;
  }

  get model(): string {
    return this.board.model;
  }

  get events(): readonly KernelEvent[] {
    return this.log.events;
  }

  /** Boot warnings: things the board asks for that hilbridge cannot do. */
  get warnings(): readonly string[] {
    return this.board.warnings;
  }

  /** Threads the board declares (whether or not they were started). */
  get declaredThreads(): readonly ThreadSpec[] {
    return this.board.threads;
  }

  buses(): BusInfo[] {
    const open: BusInfo[] = this.board.buses.map((b) => ({ name: b.name, path: b.path, kind: b.kind, backend: b.backend, simulated: b.simulated }));
    const failed: BusInfo[] = this.board.unavailable.map((u) => ({
      name: u.name,
      path: u.path,
      kind: u.kind,
      backend: u.backend,
      simulated: false,
      error: { code: u.error.code, message: u.error.message },
    }));
    return [...open, ...failed];
  }

  /**
   * The HAL controller of a bus, by label or path: what tests and tools reach a backend's own
   * handle through (a simulated bus's log, models and fault injection).
   */
  controller(name: string): SpiController | I2cController | GpioController {
    const b = this.board.buses.find((x) => x.name === name || x.path === name);
    if (!b) throw new HilError('ENOENT', `no bus named ${name}; buses: ${this.board.buses.map((x) => x.name).join(', ') || 'none'}`);
    return b.controller;
  }

  devices(): DeviceInfo[] {
    return this.deviceObjects().map((d) => this.describeDevice(d));
  }

  /** Devices the board describes on controllers that could not be opened. */
  unavailable(): readonly UnavailableBus[] {
    return this.board.unavailable;
  }

  /**
   * A device by devicetree label or node path: the one lookup. A device on a controller that
   * could not be opened fails with that controller's error.
   */
  device(name: string): DeviceInfo {
    return this.describeDevice(this.deviceObject(name));
  }

  /** Handle of a device, GPIO line or endpoint by name (kernel side: tools and tests). */
  objectHandle(name: string): number {
    return this.grantable(name).handle;
  }

  /** Handle of a named partition or of a thread's private partition ("NAME.private"). */
  partitionHandle(name: string): number {
    const p = this.partitions.get(name) ?? this.threads.all().find((t) => t.privatePartition.name === name)?.privatePartition;
    if (!p) throw new HilError('ENOENT', `no partition named ${name}`);
    return p.handle;
  }

  /** The memory of a named partition, kernel side (a tool reading what a thread left there). */
  partitionBytes(name: string): Uint8Array {
    const p = this.partitions.get(name);
    if (!p) throw new HilError('ENOENT', `no partition named ${name}`);
    return p.bytes;
  }

  /** Creates a named partition that spawn() can put in threads' memory domains. */
  createPartition(name: string, size: number): void {
    if (this.partitions.has(name)) throw new HilError('EEXIST', `partition ${name} already exists`);
    this.partitions.set(name, this.newPartition(name, size));
  }

  async spawn(program: string, opts: SpawnOptions): Promise<ThreadInfo> {
    return this.spawnSpec({ ...opts, program, start: opts.start ?? 'boot' });
  }

  /** Grants a running (or future) thread access to one more device, line or endpoint. */
  grant(threadName: string, objectName: string): void {
    const t = this.threads.get(threadName);
    const o = this.grantable(objectName);
    t.grants.add(o.handle);
    t.worker?.postMessage({ kind: 'grant', object: grantOf(this.objects, o.handle) });
  }

  revoke(threadName: string, objectName: string): void {
    this.threads.get(threadName).grants.delete(this.grantable(objectName).handle);
  }

  /** Stops a thread (its locks, IPC and leases released; no restart). */
  async stopThread(name: string, why = 'stopped by the kernel API'): Promise<ThreadInfo> {
    const t = this.threads.get(name);
    this.threads.halt(t, why);
    return threadInfo(this.objects, t);
  }

  /** Forgets a thread that has ended for good, with its private partition (ThreadManager.remove). */
  removeThread(name: string): void {
    this.threads.remove(this.threads.get(name));
  }

  /**
   * Ends a thread as a fault would, wherever it is (in a syscall, between two, holding the bus):
   * recorded as a fault (ECANCELED, `why`), its locks, IPC and leases released, and its fault
   * policy asked whether to restart it. What a supervisor outside the kernel (or a test that
   * crashes drivers at random moments) uses; `stopThread` stops without a restart.
   */
  kill(name: string, why = 'killed through the kernel API'): ThreadInfo {
    const t = this.threads.get(name);
    this.threads.fault(t, 'kill', 'ECANCELED', why);
    return threadInfo(this.objects, t);
  }

  ps(): ThreadInfo[] {
    return this.threads.all().map((t) => threadInfo(this.objects, t));
  }

  threadInfo(name: string): ThreadInfo {
    return threadInfo(this.objects, this.threads.get(name));
  }

  /** Waits until a thread is in one of `states` (default: no longer alive). */
  async waitForThread(name: string, states: readonly ThreadState[] = ['exited', 'faulted', 'stopped']): Promise<ThreadInfo> {
    const t = this.threads.get(name);
    while (!states.includes(t.state)) await once(this, 'thread-state');
    return threadInfo(this.objects, t);
  }

  /**
   * Calls a device's endpoint from the kernel's process (the library's path to a driver),
   * lending `leases` (memory of the caller's own) to the server for the length of the call.
   */
  async call(endpoint: string, msg: Uint8Array, leases: readonly LentBuffer[] = []): Promise<IpcResult> {
    return this.ipc.call(
      this.endpointNamed(endpoint),
      'kernel',
      msg,
      leases.map((l) => ({ bytes: l.bytes, flags: l.access === 'read' ? LEASE_READ : LEASE_WRITE })),
    );
  }

  /** Data bytes the kernel copied so far (IPC messages, replies, mem_copy). */
  get bytesCopied(): number {
    return this.stats.bytesCopied + this.ipc.bytesCopied;
  }

  /**
   * Serves a device's endpoint inside the kernel (the in-kernel driver placement): calls run
   * `server` directly with leases as plain memory. Refused if a thread serves it.
   */
  serveInKernel(endpoint: string, server: InKernelServer): void {
    const ep = this.endpointNamed(endpoint);
    if (ep.server !== undefined && ep.server !== 'kernel') throw new HilError('EBUSY', `endpoint ${ep.name} is served by thread ${ep.server}`);
    ep.server = 'kernel';
    ep.inKernel = server;
  }

  /** The driver-facing API of a device for a driver running in the kernel (no syscalls; bus arbitration as usual). */
  deviceApi(name: string): SpiDeviceApi | I2cDeviceApi {
    const d = this.deviceObject(name);
    const bus = { arbiter: d.arbiter, owner: `kernel:${d.name}` };
    return d.type === 'spi_device' ? spiDeviceOverHal(d.hal, bus) : i2cDeviceOverHal(d.hal, bus);
  }

  async shutdown(): Promise<void> {
    if (this.threads.shuttingDown) return;
    this.watchdog?.stopAll();
    await this.threads.shutdown();
    // The chips are left protected: WP asserted and HOLD inactive, then each line becomes an input
    // pulled towards that level, so the chip stays protected after this process lets go.
    await Promise.allSettled((this.board?.gpioLines ?? []).map(async (l) => {
      await l.set(l.safeLevel);
      await l.park();
    }));
    await this.board?.close();
  }

  /** A control line's logical level and role, for tools (`status`). */
  lineApi(name: string): { get(): Promise<0 | 1>; set(v: 0 | 1): Promise<void>; readonly role: 'wp' | 'hold' } {
    const l = this.board.gpioLines.find((x) => x.name === name || x.path === name);
    if (!l) throw new HilError('ENOENT', `no control line named ${name}`);
    return { get: () => l.get(), set: (v) => l.set(v), role: l.role };
  }

  // ---- internals ----

  private deviceObjects(): DeviceObject[] {
    return [...this.board.spiDevices, ...this.board.i2cDevices];
  }

  private describeDevice(d: DeviceObject): DeviceInfo {
    const bus = this.board.buses.find((b) => b.name === d.bus);
    return {
      name: d.name,
      handle: d.handle,
      path: d.path,
      type: d.type,
      bus: d.bus,
      backend: bus?.backend ?? 'unknown',
      simulated: bus?.simulated ?? false,
      config: d.config,
      maxTransferBytes: d.hal.maxTransferBytes,
      servedBy: this.ipc.endpoint(d.name)?.server,
    };
  }

  private deviceObject(name: string): DeviceObject {
    const d = this.deviceObjects().find((x) => x.name === name || x.path === name);
    if (d) return d;
    const gone = this.board.unavailable.find((u) => u.devices.includes(name));
    if (gone) throw new UnavailableError(gone.error.code, `${name} is on ${gone.name} (${gone.backend}), which could not be opened: ${gone.error.message}`);
    const ignored = this.board.ignored.find((i) => i.labels.includes(name) || i.path === name);
    if (ignored) throw new HilError('ENODEV', `"${name}" (${ignored.path}) is on the board, but hilbridge cannot use it: ${ignored.why}`);
    const known = this.deviceObjects().map((x) => `${x.name} (${x.path})`);
    throw new HilError('ENOENT', `no device "${name}" on this board; name one by label or path: ${known.join(', ') || 'none'}`);
  }

  /** Why a thread the board declares cannot run on this board (a device it names is missing), or undefined. */
  private whyNotRunnable(t: ThreadSpec): string | undefined {
    for (const [role, names] of [['serves', t.serves], ['is granted', t.grants], ['calls', t.calls]] as const) {
      for (const name of names ?? []) {
        if (this.deviceObjects().some((d) => d.name === name || d.path === name)) continue;
        if (this.board.gpioLines.some((l) => l.name === name || l.path === name)) continue;
        const gone = this.board.unavailable.find((u) => u.devices.includes(name));
        return gone
          ? `it ${role} ${name}, which is on ${gone.name} (${gone.backend}), and that could not be opened`
          : `it ${role} ${name}, which is not a device hilbridge can drive (see the warning about its node)`;
      }
    }
    return undefined;
  }

  /** A device or GPIO line a thread may be granted, by label or path. */
  private grantable(name: string): DeviceObject | GpioObject {
    const line = this.board.gpioLines.find((l) => l.name === name || l.path === name);
    return line ?? this.deviceObject(name);
  }

  private endpointNamed(device: string): EndpointObject {
    const e = this.ipc.endpoint(this.deviceObject(device).name);
    if (!e) throw new HilError('ENOENT', `${device} has no endpoint`);
    return e;
  }

  private wake(ep: EndpointObject): boolean {
    if (ep.server === undefined || ep.server === 'kernel' || !this.threads.has(ep.server)) return false;
    return this.threads.wake(this.threads.get(ep.server));
  }

  private async spawnSpec(spec: ThreadSpec): Promise<ThreadInfo> {
    if (this.threads.shuttingDown) throw new HilError('ECANCELED', 'the kernel is shut down');
    const resolved = this.resolve(spec);
    const serves = resolved.serves.map((h) => this.objects.get(h) as EndpointObject);
    const priv = this.newPartition(`${spec.name}.private`, resolved.privateBytes);
    const t = new UserThread(resolved, priv, policyFor(resolved.restart), newSyscallPage());
    for (const e of serves) e.server = t.name;
    await this.threads.add(t);
    return threadInfo(this.objects, t);
  }

  /** Checks a spawn request and turns its names into handles. */
  private resolve(spec: ThreadSpec): ResolvedThread {
    if (!/^[\w.@-]{1,64}$/.test(spec.name) || spec.name === 'kernel') {
      throw new HilError('EINVAL', `thread name "${spec.name}" must be 1-64 letters, digits, _ . @ or - (and not "kernel")`);
    }
    if (this.threads.has(spec.name)) throw new HilError('EEXIST', `a thread named ${spec.name} already exists`);
    const spinUs = spec.syscallSpinUs ?? DEFAULT_SPIN_US;
    if (!Number.isInteger(spinUs) || spinUs < 0 || spinUs > MAX_SPIN_US) {
      throw new HilError('EINVAL', `syscallSpinUs ${spinUs} must be an integer from 0 to ${MAX_SPIN_US}`);
    }
    const limit = (v: number | undefined, d: number, what: string): number => {
      const n = v ?? d;
      if (!Number.isInteger(n) || n < 4 || n > 16384) throw new HilError('EINVAL', `${spec.name}: ${what} ${n} MiB must be an integer from 4 to 16384`);
      return n;
    };
    const serves = (spec.serves ?? []).map((n) => this.endpointNamed(n));
    for (const e of serves) {
      if (e.server !== undefined) throw new HilError('EBUSY', `endpoint ${e.name} is already served by ${e.server}`);
    }
    const granted = (spec.grants ?? []).map((n) => this.grantable(n));
    // A device's write-protect line comes with the device (its driver lifts WP around its own
    // writes); HOLD must be granted by name.
    const lines = this.board.gpioLines.filter((l) => l.role === 'wp' && granted.some((o) => o.type !== 'gpio' && o.name === l.device));
    const calls = (spec.calls ?? []).map((n) => this.endpointNamed(n));
    const partitions = (spec.partitions ?? []).map((n) => {
      const p = this.partitions.get(n);
      if (!p) throw new HilError('ENOENT', `no partition named ${n}`);
      return p.handle;
    });
    return {
      name: spec.name,
      program: resolveProgram(spec.program),
      grants: [...new Set([...granted, ...lines, ...serves, ...calls].map((o) => o.handle))],
      partitions,
      serves: serves.map((e) => e.handle),
      restart: spec.restart ?? 'never',
      transport: spec.transport ?? 'sync',
      spinUs,
      privateBytes: spec.privateBytes ?? DEFAULT_PRIVATE_BYTES,
      heapMb: limit(spec.limits?.heapMb, DEFAULT_HEAP_MB, 'heap limit'),
      bufferMb: limit(spec.limits?.bufferMb, DEFAULT_BUFFER_MB, 'buffer limit'),
      start: spec.start ?? 'boot',
      confined: spec.confined ?? true,
      args: spec.args,
    };
  }

  private newPartition(name: string, size: number): PartitionObject {
    if (!Number.isInteger(size) || size <= 0 || size > 256 * 1024 * 1024) throw new HilError('EINVAL', `partition ${name}: size ${size} is not in 1..256 MiB`);
    const buffer = new SharedArrayBuffer(size);
    return this.objects.insert<PartitionObject>({ type: 'partition', name, handle: 0, buffer, bytes: new Uint8Array(buffer) });
  }
}
