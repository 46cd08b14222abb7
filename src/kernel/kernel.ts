/**
 * The hilbridge kernel: owns the hardware, the object table and the user threads, and serves
 * their syscalls.
 *
 * boot() builds devices from the devicetree and starts the threads it declares; spawn() starts a
 * user program in a worker thread with a memory domain and a set of grants; every syscall from a
 * thread goes through dispatch(): count, verify (kernel/verify.ts), run the handler, answer. A
 * thread that breaks the rules is stopped (its bus locks and IPC state released) and restarted by
 * its policy; nothing a thread sends can make the kernel throw.
 */
import { EventEmitter, once } from 'node:events';
import { MessageChannel, type ResourceLimits, Worker } from 'node:worker_threads';
import { ABI_VERSION, type BootInfo, type TransportKind } from '../abi/boot-info';
import type { EepromConfig } from '../abi/device-config';
import { ERRNO, type ErrnoCode, HilError } from '../abi/errno';
import { DEFAULT_SPIN_US, MAX_SPIN_US, newSyscallPage } from '../abi/page';
import { type SyscallName, syscallByNumber } from '../abi/syscalls';
import type { DtTree } from '../devicetree/tree';
import { type Clock, RealClock } from '../hal/clock';
import type { MockI2cController } from '../hal/mock/i2c-controller';
import type { MockSpiController } from '../hal/mock/spi-controller';
import type { SpiDeviceApi, SpiOp } from '../user/device-api';
import type { BackendContext } from './backends';
import { type Board, buildBoard } from './board';
import type { KernelServices, SyscallContext, SyscallResult } from './context';
import { HANDLERS, type Handler } from './handlers';
import { IpcService } from './ipc';
import type { EndpointObject, GpioObject, I2cDeviceObject, PartitionObject, SpiDeviceObject } from './kobjects';
import { ObjectTable } from './objects';
import { distModule, resolveProgram } from './paths';
import { grantOf, threadInfo, type ThreadInfo } from './introspect';
import { type RestartPolicy, type ThreadState, UserThread } from './thread';
import { servePort } from './transport-port';
import { serveSyncPage } from './transport-sync';
import { Denied, Oops, type Verified, verifyArgs } from './verify';

export interface BootOptions {
  readonly tree: DtTree;
  readonly clock?: Clock;
  /** Device name → image file backing a mock model (`--image NAME=FILE`). */
  readonly images?: ReadonlyMap<string, string>;
  /** Start the threads the devicetree declares (default true). */
  readonly startThreads?: boolean;
  /** Transport for declared threads (default "sync"). */
  readonly transport?: TransportKind;
  /** Serial port of a serprog programmer, overriding the board's `port` (`--port`). */
  readonly serialPort?: string | undefined;
}

export interface SpawnOptions {
  readonly name: string;
  /** Device or endpoint names (labels or paths) the thread may use. Default: none. */
  readonly grants?: readonly string[];
  /** Named partitions added to the thread's memory domain. */
  readonly partitions?: readonly string[];
  /** Device names whose IPC endpoint this thread serves. */
  readonly serves?: readonly string[];
  readonly restart?: RestartPolicy;
  readonly transport?: TransportKind;
  /**
   * Synchronous transport: microseconds each side polls before sleeping (default 100, 0 to 1000).
   * Back-to-back syscalls then cost a few microseconds instead of two scheduler wake-ups.
   */
  readonly syscallSpinUs?: number;
  /** Size of the thread's private partition. */
  readonly privateBytes?: number;
  readonly resourceLimits?: ResourceLimits;
  readonly args?: unknown;
}


export type { ThreadInfo } from './introspect';

export interface DeviceInfo {
  readonly name: string;
  /** Kernel object handle (what a granted thread names the device by). */
  readonly handle: number;
  readonly path: string;
  readonly type: 'spi_device' | 'i2c_device';
  readonly bus: string;
  readonly config: EepromConfig | undefined;
  readonly maxTransferBytes: number;
  readonly servedBy: string | undefined;
}

export interface KernelEvent {
  readonly at: number;
  readonly kind: 'fault' | 'denied' | 'restart' | 'exit' | 'error' | 'warning';
  readonly thread: string;
  readonly message: string;
}

export interface KernelStats {
  syscalls: number;
  denials: number;
  faults: number;
  bySyscall: Record<string, number>;
}

const DEFAULT_PRIVATE_BYTES = 256 * 1024;

export class Kernel extends EventEmitter implements KernelServices {
  readonly objects = new ObjectTable();
  readonly ipc = new IpcService(this.objects);
  readonly stats: KernelStats = { syscalls: 0, denials: 0, faults: 0, bySyscall: {} };
  readonly events: KernelEvent[] = [];
  readonly clock: Clock;
  private readonly threadsByName = new Map<string, UserThread>();
  private readonly partitionsByName = new Map<string, PartitionObject>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly stoppers = new Map<UserThread, () => void>();
  private board!: Board;
  private readonly mockSpi = new Map<string, MockSpiController>();
  private readonly mockI2c = new Map<string, MockI2cController>();
  private down = false;

  private constructor(clock: Clock) {
    super();
    this.clock = clock;
  }

  static async boot(opts: BootOptions): Promise<Kernel> {
    const k = new Kernel(opts.clock ?? new RealClock());
    const ctx: BackendContext = { clock: k.clock, images: opts.images ?? new Map(), mockSpi: k.mockSpi, mockI2c: k.mockI2c, serialPort: opts.serialPort };
    k.board = await buildBoard(opts.tree, k.objects, ctx);
    for (const d of k.board.spiDevices) k.ipc.createEndpoint(d.name, undefined);
    for (const d of k.board.i2cDevices) k.ipc.createEndpoint(d.name, undefined);
    for (const p of k.board.partitions) k.createPartition(p.name, p.size);
    for (const w of k.board.warnings) k.record('warning', '-', w);
    if (opts.startThreads !== false) {
      try {
        for (const t of k.board.threads) {
          await k.spawn(t.program, { name: t.name, grants: t.grants, serves: t.serves, partitions: t.partitions, restart: t.restart, transport: opts.transport ?? 'sync' });
        }
      } catch (e) {
        await k.shutdown();
        throw e;
      }
    }
    return k;
  }

  get model(): string {
    return this.board.model;
  }

  get buses(): readonly { name: string; path: string; backend: string }[] {
    return this.board.buses;
  }

  /** The simulated SPI bus of a mock board, by bus label (for tests and tools). */
  mockSpiBus(name: string): MockSpiController | undefined {
    return this.mockSpi.get(name);
  }

  /** The simulated I2C bus of a mock board, by bus label. */
  mockI2cBus(name: string): MockI2cController | undefined {
    return this.mockI2c.get(name);
  }

  devices(): DeviceInfo[] {
    return [...this.board.spiDevices, ...this.board.i2cDevices].map((d) => ({
      name: d.name,
      handle: d.handle,
      path: d.path,
      type: d.type,
      bus: d.arbiter.name,
      config: d.config,
      maxTransferBytes: d.hal.maxTransferBytes,
      servedBy: this.ipc.endpoint(d.name)?.server,
    }));
  }

  /** Handle of a device, GPIO line or endpoint by name (kernel side: tools and tests). */
  objectHandle(name: string): number {
    return this.objectNamed(name).handle;
  }

  /** Handle of a named partition or of a thread's private partition ("NAME.private"). */
  partitionHandle(name: string): number {
    const p = this.partitionsByName.get(name) ?? [...this.threadsByName.values()].find((t) => t.privatePartition.name === name)?.privatePartition;
    if (!p) throw new HilError('ENOENT', `no partition named ${name}`);
    return p.handle;
  }

  /** Creates a named partition that spawn() can put in threads' memory domains. */
  createPartition(name: string, size: number): void {
    if (this.partitionsByName.has(name)) throw new HilError('EEXIST', `partition ${name} already exists`);
    this.partitionsByName.set(name, this.newPartition(name, size));
  }

  async spawn(program: string, opts: SpawnOptions): Promise<ThreadInfo> {
    if (this.down) throw new HilError('ECANCELED', 'the kernel is shut down');
    if (!/^[\w.@-]{1,64}$/.test(opts.name)) throw new HilError('EINVAL', `thread name "${opts.name}" must be 1-64 letters, digits, _ . @ or -`);
    if (this.threadsByName.has(opts.name)) throw new HilError('EEXIST', `a thread named ${opts.name} already exists`);
    const spinUs = opts.syscallSpinUs ?? DEFAULT_SPIN_US;
    if (!Number.isInteger(spinUs) || spinUs < 0 || spinUs > MAX_SPIN_US) {
      throw new HilError('EINVAL', `syscallSpinUs ${spinUs} must be an integer from 0 to ${MAX_SPIN_US}`);
    }
    const programPath = resolveProgram(program);
    const serves = (opts.serves ?? []).map((n) => this.endpointNamed(n));
    const granted = (opts.grants ?? []).map((n) => this.objectNamed(n));
    // A device's own control lines (its wp-gpios) come with the device.
    const lines = this.board.gpioLines.filter((l) => granted.some((o) => o.type !== 'gpio' && o.name === l.device));
    const grants = [...granted.map((o) => o.handle), ...lines.map((l) => l.handle), ...serves.map((e) => e.handle)];
    const partitions = (opts.partitions ?? []).map((n) => {
      const p = this.partitionsByName.get(n);
      if (!p) throw new HilError('ENOENT', `no partition named ${n}`);
      return p.handle;
    });
    for (const e of serves) {
      if (e.server !== undefined) throw new HilError('EBUSY', `endpoint ${e.name} is already served by ${e.server}`);
    }
    const priv = this.newPartition(`${opts.name}.private`, opts.privateBytes ?? DEFAULT_PRIVATE_BYTES);
    const t = new UserThread(
      {
        name: opts.name,
        program: programPath,
        grants,
        partitions,
        serves: serves.map((e) => e.handle),
        restart: opts.restart ?? 'never',
        transport: opts.transport ?? 'sync',
        spinUs,
        privateBytes: priv.bytes.length,
        resourceLimits: opts.resourceLimits,
        args: opts.args,
      },
      priv,
      newSyscallPage(),
    );
    this.objects.insert(t);
    for (const e of serves) e.server = t.name;
    this.threadsByName.set(t.name, t);
    await this.start(t);
    return threadInfo(this.objects, t);
  }

  /** Grants a running (or future) thread access to one more object. */
  grant(threadName: string, objectName: string): void {
    const t = this.thread(threadName);
    const o = this.objectNamed(objectName);
    t.grants.add(o.handle);
    t.worker?.postMessage({ kind: 'grant', object: grantOf(this.objects, o.handle) });
  }

  revoke(threadName: string, objectName: string): void {
    const t = this.thread(threadName);
    t.grants.delete(this.objectNamed(objectName).handle);
  }

  ps(): ThreadInfo[] {
    return [...this.threadsByName.values()].map((t) => threadInfo(this.objects, t));
  }

  threadInfo(name: string): ThreadInfo {
    return threadInfo(this.objects, this.thread(name));
  }

  /** Calls a device's IPC endpoint from the kernel side (the library API's path to a driver). */
  async call(endpoint: string, msg: Uint8Array): Promise<{ reply: Uint8Array; status: number }> {
    return this.ipc.call(this.endpointNamed(endpoint), 'kernel', msg.slice());
  }

  /** A driver-facing SPI device inside the kernel: no syscalls, no checks (trusted code). */
  inKernelSpi(name: string): SpiDeviceApi {
    const dev = this.objectNamed(name);
    if (dev.type !== 'spi_device') throw new HilError('EINVAL', `${name} is not an SPI device`);
    const d = dev as SpiDeviceObject;
    const owner = `kernel:${d.name}`;
    return {
      maxTransferBytes: d.hal.maxTransferBytes,
      transaction: (ops: readonly SpiOp[]) => d.arbiter.run(owner, () => d.hal.transfer(ops)),
      lock: (timeoutMs: number) => d.arbiter.lock(owner, timeoutMs, () => undefined),
      unlock: async () => d.arbiter.unlock(owner),
    };
  }

  /** Waits until a thread leaves the running state (exit or fault). */
  async waitForThread(name: string, states: readonly ThreadState[] = ['exited', 'faulted', 'stopped']): Promise<ThreadInfo> {
    const t = this.thread(name);
    while (!states.includes(t.state)) await once(this, 'thread-state');
    return threadInfo(this.objects, t);
  }

  fault(t: UserThread, syscall: string, code: ErrnoCode, reason: string): void {
    if (!t.alive) return;
    t.counters.faults++;
    this.stats.faults++;
    t.faults.push({ at: Date.now(), syscall, code, reason });
    if (t.faults.length > 20) t.faults.shift();
    this.record('fault', t.name, `${syscall}: ${code}: ${reason}`);
    this.stop(t, 'faulted', new HilError(code, `${t.name} faulted: ${reason}`));
    this.scheduleRestart(t);
  }

  async shutdown(): Promise<void> {
    if (this.down) return;
    this.down = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const exits: Promise<unknown>[] = [];
    for (const t of this.threadsByName.values()) {
      if (t.worker) exits.push(t.worker.terminate());
      if (t.alive) this.stop(t, 'stopped', new HilError('ECANCELED', 'kernel shutting down'));
      else t.state = t.state === 'restarting' ? 'stopped' : t.state;
    }
    await Promise.allSettled(exits);
    await Promise.allSettled(this.board?.controllers.map((c) => c.close()) ?? []);
  }

  // ---- internals ----

  private async start(t: UserThread): Promise<void> {
    t.incarnation++;
    t.state = 'starting';
    t.page = newSyscallPage();
    t.startedAt = Date.now();
    const incarnation = t.incarnation;
    const channel = t.spec.transport === 'port' ? new MessageChannel() : undefined;
    const boot: BootInfo = {
      abi: ABI_VERSION,
      threadName: t.name,
      threadHandle: t.handle,
      transport: t.spec.transport,
      page: t.page,
      spinUs: t.spec.spinUs,
      privatePartition: t.privatePartition.handle,
      partitions: [...t.domain].map((h) => {
        const p = this.objects.get(h) as PartitionObject;
        return { handle: h, name: p.name, buffer: p.buffer };
      }),
      objects: [...t.grants].map((h) => grantOf(this.objects, h)),
      serves: t.spec.serves.map((h) => this.objects.get(h)?.name ?? ''),
      program: t.spec.program,
      args: t.spec.args,
    };
    const worker = new Worker(distModule('user/bootstrap'), {
      workerData: { boot, port: channel?.port2 },
      transferList: channel ? [channel.port2] : [],
      name: t.name,
      ...(t.spec.resourceLimits ? { resourceLimits: t.spec.resourceLimits } : {}),
    });
    t.worker = worker;
    const dispatch = (slots: readonly number[]): Promise<SyscallResult | null> => this.dispatch(t, incarnation, slots);
    if (channel) {
      const server = servePort(channel.port1, dispatch, (why) => this.fault(t, 'transport', 'EINVAL', why));
      this.stoppers.set(t, () => server.stop());
    } else {
      const server = serveSyncPage(t.page, dispatch, t.spec.spinUs);
      this.stoppers.set(t, () => server.stop());
    }
    worker.on('message', (m: unknown) => {
      if (t.incarnation === incarnation && typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'report') {
        this.emit('report', t.name, (m as { data?: unknown }).data);
      }
    });
    worker.on('error', (err: Error) => {
      if (t.incarnation !== incarnation) return;
      this.fault(t, 'program', 'EFAULT', `uncaught ${err.name}: ${err.message}`);
    });
    worker.on('exit', (code) => {
      if (t.incarnation !== incarnation) return;
      t.exitCode = code;
      if (t.alive) {
        if (code === 0) {
          this.record('exit', t.name, 'program finished');
          this.stop(t, 'exited', new HilError('ECONNRESET', `${t.name} exited`));
        } else {
          this.fault(t, 'program', 'EFAULT', `exited with code ${code}`);
        }
      }
    });
    await once(worker, 'online').catch(() => undefined);
    if (t.incarnation === incarnation && t.state === 'starting') this.setState(t, 'running');
  }

  private stop(t: UserThread, state: ThreadState, reason: HilError): void {
    this.setState(t, state);
    this.stoppers.get(t)?.();
    this.stoppers.delete(t);
    const willRestart = state === 'faulted' && this.restartAllowed(t);
    for (const d of [...this.board.spiDevices, ...this.board.i2cDevices]) d.arbiter.releaseAll(t.name, reason);
    this.ipc.serverGone(t.name, willRestart);
    this.ipc.clientGone(t.name);
    const w = t.worker;
    t.worker = undefined;
    void w?.terminate();
  }

  private restartAllowed(t: UserThread): boolean {
    const p = t.spec.restart;
    return !this.down && p !== 'never' && t.counters.restarts < p.maxRestarts;
  }

  private scheduleRestart(t: UserThread): void {
    const p = t.spec.restart;
    if (!this.restartAllowed(t) || p === 'never') {
      if (p !== 'never') this.record('restart', t.name, `not restarted: ${t.counters.restarts} restarts reached the limit`);
      return;
    }
    const delay = Math.min(p.backoffMs * 2 ** t.counters.restarts, p.maxBackoffMs ?? 60_000);
    this.setState(t, 'restarting');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.down) return;
      t.counters.restarts++;
      // A new generation of the thread object: the old handle no longer resolves.
      this.objects.remove(t);
      this.objects.insert(t);
      this.record('restart', t.name, `restart ${t.counters.restarts} after ${delay} ms`);
      void this.start(t).catch((e: unknown) => {
        this.record('error', t.name, `restart failed: ${String(e)}`);
        this.setState(t, 'faulted');
      });
    }, delay);
    this.restartTimers.add(timer);
  }

  private async dispatch(t: UserThread, incarnation: number, slots: readonly number[]): Promise<SyscallResult | null> {
    if (t.incarnation !== incarnation || !t.alive) return null;
    const nr = slots[0]!;
    t.counters.syscalls++;
    this.stats.syscalls++;
    const entry = syscallByNumber(nr);
    if (!entry) {
      this.fault(t, `#${nr}`, 'ENOSYS', `unknown syscall number ${nr}`);
      return null;
    }
    const [name, decl] = entry;
    t.counters.bySyscall[name] = (t.counters.bySyscall[name] ?? 0) + 1;
    this.stats.bySyscall[name] = (this.stats.bySyscall[name] ?? 0) + 1;
    const ctx: SyscallContext = { kernel: this, thread: t };
    try {
      const args = verify(this, t, name, decl, slots);
      const r = await runHandler(name, ctx, args);
      return t.incarnation === incarnation && t.alive ? r : null;
    } catch (e) {
      if (t.incarnation !== incarnation || !t.alive) return null;
      if (e instanceof Denied) {
        t.counters.denials++;
        this.stats.denials++;
        this.record('denied', t.name, e.message);
        return [-ERRNO.EPERM, 0];
      }
      if (e instanceof Oops) {
        this.fault(t, name, e.code, e.reason);
        return null;
      }
      if (e instanceof HilError) return [-e.errno, 0];
      this.record('error', t.name, `${name}: ${e instanceof Error ? e.message : String(e)}`);
      return [-ERRNO.EIO, 0];
    }
  }

  private setState(t: UserThread, s: ThreadState): void {
    t.state = s;
    this.emit('thread-state', t.name, s);
  }

  private record(kind: KernelEvent['kind'], thread: string, message: string): void {
    const ev: KernelEvent = { at: Date.now(), kind, thread, message };
    this.events.push(ev);
    if (this.events.length > 500) this.events.shift();
    this.emit('event', ev);
  }

  private newPartition(name: string, size: number): PartitionObject {
    if (!Number.isInteger(size) || size <= 0 || size > 256 * 1024 * 1024) throw new HilError('EINVAL', `partition ${name}: size ${size} is not in 1..256 MiB`);
    const buffer = new SharedArrayBuffer(size);
    return this.objects.insert<PartitionObject>({ type: 'partition', name, handle: 0, buffer, bytes: new Uint8Array(buffer) });
  }

  private thread(name: string): UserThread {
    const t = this.threadsByName.get(name);
    if (!t) throw new HilError('ENOENT', `no thread named ${name}`);
    return t;
  }

  private endpointNamed(name: string): EndpointObject {
    const e = this.ipc.endpoint(name);
    if (!e) throw new HilError('ENOENT', `no device or endpoint named ${name}; see \`hilbridge info\``);
    return e;
  }

  private objectNamed(name: string): SpiDeviceObject | I2cDeviceObject | GpioObject | EndpointObject {
    const dev = [...this.board.spiDevices, ...this.board.i2cDevices, ...this.board.gpioLines].find((d) => d.name === name || d.path === name);
    if (dev) return dev;
    const ep = name.startsWith('endpoint:') ? this.ipc.endpoint(name.slice('endpoint:'.length)) : undefined;
    if (ep) return ep;
    throw new HilError('ENOENT', `no device named ${name}; devices: ${this.devices().map((d) => d.name).join(', ') || 'none'}`);
  }
}

function verify<N extends SyscallName>(k: Kernel, t: UserThread, name: N, decl: Parameters<typeof verifyArgs>[3], slots: readonly number[]): Verified<N> {
  return verifyArgs(k.objects, t, name, decl, slots);
}

function runHandler<N extends SyscallName>(name: N, ctx: SyscallContext, args: Verified<N>): SyscallResult | Promise<SyscallResult> {
  return (HANDLERS[name] as Handler<N>)(ctx, args);
}
