/**
 * The syscall fuzzer's hostile thread (trusted test code, spawned with `confined: false`).
 *
 * It runs unconfined for one reason: to reach its own syscall page and MessagePort directly (the
 * `workerData` boot info), so it can send frames no SDK would build: raw slots, truncated and
 * oversized frames, malformed port messages, garbage written into the page between calls and
 * while the kernel reads a request, forged bootstrap messages, a false memory report. Everything
 * it sends reaches the kernel exactly as a confined program's syscalls do; confinement itself is
 * proved elsewhere (test/user/confinement.test.ts).
 *
 * Frame k comes from a PRNG seeded with (seed, stream, k) (generate.ts); before sending it the
 * thread asks the oracle (oracle.ts) what must happen, writes that into the flight recorder (the
 * harness checks every fault against it), sends the frame and compares what came back. After a
 * frame that faults it keeps calling (markers the harness looks for on the bus: nothing it sends
 * after its own fault may run). The fault policy restarts it; the next incarnation resumes after
 * the faulted frame. It ends (exit 0) when all frames are done.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { BootInfo } from '../../../src/abi/boot-info';
import { ERRNO, type ErrnoCode } from '../../../src/abi/errno';
import { CTL_HEARTBEAT, CTL_STATE, PAGE_STATE, pageViews, SLOT_ARGS, SLOT_BUFFER_BYTES, SLOT_NR, SLOT_R0, SLOT_R1 } from '../../../src/abi/page';
import { encodeSpiXfer, SPI_XFER_DESC_SIZE } from '../../../src/abi/spi';
import { MAX_WIRE_SLOTS, SYSCALLS } from '../../../src/abi/syscalls';
import type { UserRuntime } from '../../../src/user/runtime';
import { type Frame, generateFrame } from '../fuzz/generate';
import { type Expect, expectSyscall, type OracleWorld } from '../fuzz/oracle';
import {
  EXPECT_KIND,
  type FuzzArgs,
  type KnownObject,
  MARKER,
  MARKER_AREA,
  OUTCOME,
  REC,
  recorderAppend,
  STALE_MAX,
} from '../fuzz/world';
import { Prng } from '../lib/prng';

const LAST_SELF = 62;
const NO_ARGS_SLOTS = SLOT_ARGS + MAX_WIRE_SLOTS;

type Result = readonly [number, number];

/** The raw synchronous protocol on the thread's own page. */

/** A request the kernel has not answered yet. */
function inFlight(state: number): boolean {
  return state === PAGE_STATE.REQUEST || state === PAGE_STATE.SERVING;
}

class SyncEngine {
  private readonly ctl: Int32Array;
  private readonly slots: Float64Array;
  constructor(page: SharedArrayBuffer) {
    const v = pageViews(page);
    this.ctl = v.ctl;
    this.slots = v.slots;
  }

  /** Writes the request; returns the number and slots exactly as the kernel will read them. */
  present(nr: number, args: readonly number[], truncateTo?: number): { nr: number; slots: number[] } {
    this.slots[SLOT_NR] = nr;
    const n = Math.min(truncateTo ?? args.length, MAX_WIRE_SLOTS);
    for (let i = 0; i < n; i++) this.slots[SLOT_ARGS + i] = args[i]!;
    return { nr: this.slots[SLOT_NR]!, slots: Array.from(this.slots.subarray(SLOT_ARGS, NO_ARGS_SLOTS)) };
  }

  /** Traps; with `race`, scribbles over the argument and result slots while the kernel reads them. */
  fire(race?: Prng): Result | 'dead' {
    const { ctl, slots } = this;
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.REQUEST);
    Atomics.notify(ctl, CTL_STATE);
    if (race) {
      const until = performance.now() + race.float() * 0.05;
      do {
        const at = race.chance(0.85) ? SLOT_ARGS + race.int(0, MAX_WIRE_SLOTS - 1) : race.pick([SLOT_R0, SLOT_R1]);
        slots[at] = race.pick([NaN, -1, 0.5, 2 ** 53, race.u32(), race.int(0, 64)]);
      } while (performance.now() < until && inFlight(Atomics.load(ctl, CTL_STATE)));
    }
    // In flight until the kernel replies: REQUEST (not picked up yet), then SERVING (page.ts).
    let s: number;
    while (inFlight((s = Atomics.load(ctl, CTL_STATE)))) Atomics.wait(ctl, CTL_STATE, s, 1000);
    if (s === PAGE_STATE.DEAD) return 'dead';
    const r: Result = [slots[SLOT_R0]!, slots[SLOT_R1]!];
    Atomics.store(ctl, CTL_STATE, PAGE_STATE.IDLE);
    return r;
  }

  garbage(state: number, values: readonly number[], heartbeat: number): void {
    for (let i = 0; i < values.length && SLOT_NR + i <= SLOT_R1; i++) this.slots[SLOT_NR + i] = values[i]!;
    Atomics.store(this.ctl, CTL_HEARTBEAT, heartbeat);
    Atomics.store(this.ctl, CTL_STATE, state);
    Atomics.notify(this.ctl, CTL_STATE);
    Atomics.store(this.ctl, CTL_STATE, PAGE_STATE.IDLE);
  }

  claimMemory(bytes: number): void {
    this.slots[SLOT_BUFFER_BYTES] = bytes;
  }
}

/** The raw message protocol on the thread's own MessagePort. */
class PortEngine {
  private seq = 1_000_000;
  private readonly pending = new Map<number, (r: Result) => void>();
  constructor(private readonly port: MessagePort) {
    port.on('message', (m: unknown) => {
      if (!Array.isArray(m)) return;
      const done = this.pending.get(m[0] as number);
      if (done) {
        this.pending.delete(m[0] as number);
        done([m[1] as number, m[2] as number]);
      }
    });
  }

  nextSeq(): number {
    return ++this.seq;
  }

  post(message: unknown): void {
    this.port.postMessage(message);
  }

  /** Posts a message and waits for the reply to `seq` (forever, if the thread faults). */
  send(message: unknown, seq: number): Promise<Result> {
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.port.postMessage(message);
    });
  }
}

/** What the kernel's message transport accepts: an array of 2..2+MAX numbers (holes read as missing). */
function portFrame(message: unknown): { nr: unknown; slots: unknown[] } | undefined {
  if (!Array.isArray(message) || message.length < 2 || message.length > 2 + MAX_WIRE_SLOTS || !message.every((x) => typeof x === 'number')) return undefined;
  const [, nr, ...slots] = message as unknown[];
  return { nr, slots };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for good: it has faulted and waits to be terminated. */
function blockForever(): never {
  for (;;) Atomics.wait(sleeper, 0, 0, 1000);
}

export async function main(rt: UserRuntime): Promise<void> {
  const start = workerData as { boot: BootInfo; port?: MessagePort };
  const boot = start.boot;
  const a = rt.args as FuzzArgs;
  const rec = new Int32Array(a.recorder);
  const transport = boot.transport;
  const sync = transport === 'sync' ? new SyncEngine(boot.page) : undefined;
  const port = transport === 'port' && start.port ? new PortEngine(start.port) : undefined;
  if (!sync && !port) throw new Error('fuzz-hostile: no transport');

  const memories = new Map<number, Uint8Array>(boot.partitions.map((p) => [p.handle, new Uint8Array(p.buffer)]));
  const priv = { handle: boot.privatePartition, size: memories.get(boot.privatePartition)!.length };
  const table = new Map<number, KnownObject>(a.objects.map((o) => [o.handle, o]));
  table.set(priv.handle, { handle: priv.handle, type: 'partition', name: `${boot.threadName}.private`, granted: true, size: priv.size, inDomain: true });
  table.set(boot.threadHandle, { handle: boot.threadHandle, type: 'thread', name: boot.threadName, granted: false });

  // A new incarnation: the frame in flight (if any) faulted; the kernel released the bus lock.
  Atomics.add(rec, REC.STARTS, 1);
  const inflight = Atomics.load(rec, REC.INFLIGHT);
  if (inflight >= 0) {
    Atomics.store(rec, REC.NEXT, inflight + 1);
    Atomics.store(rec, REC.INFLIGHT, -1);
    Atomics.store(rec, REC.EXPECT, EXPECT_KIND.NONE);
  }
  const stale = (): number[] => Array.from(rec.subarray(REC.STALE, REC.STALE + Math.min(rec[REC.STALE_COUNT]!, STALE_MAX)));
  const remember = (h: number): void => {
    const n = rec[REC.STALE_COUNT]!;
    rec[REC.STALE + (n % STALE_MAX)] = h;
    rec[REC.STALE_COUNT] = n + 1;
  };
  if (rec[LAST_SELF]) remember(rec[LAST_SELF]!);
  rec[LAST_SELF] = boot.threadHandle;

  let lockHeld = false;
  let lockAge = 0;

  const world = (): OracleWorld => ({
    object: (h) => table.get(h),
    memory: (h) => (table.get(h)?.inDomain ? memories.get(h) : undefined),
    targets: a.targets,
    lockHeld,
    mortalDead: rec[REC.MORTAL_DEAD] === 1,
    objListLen: rec[REC.OBJLIST_LEN]!,
    serverMaxMsg: a.serverMaxMsg,
  });

  /** A window of the thread's own memory (a zero-length one may name no partition at all). */
  const window = (w: { part: number; off: number; len: number }): Uint8Array => memories.get(w.part)?.subarray(w.off, w.off + w.len) ?? new Uint8Array(0);
  const mismatch = (k: number, f: Frame, expect: Expect | 'none', got: unknown): void => {
    Atomics.add(rec, REC.MISMATCHES, 1);
    const frame = f.kind === 'call' ? { category: f.category, nr: f.nr, slots: f.slots.map(String) } : { kind: f.kind };
    recorderAppend(a.recorder, JSON.stringify({ transport, frame: k, sent: frame, expected: expect, got }));
  };
  const count = (cls: number): void => void Atomics.add(rec, REC.OUTCOMES + cls, 1);
  const setExpect = (k: number, e: Expect | 'none'): void => {
    Atomics.store(rec, REC.EXPECT, e === 'none' ? EXPECT_KIND.NONE : e.kind === 'fault' ? EXPECT_KIND.FAULT : e.kind === 'any' ? EXPECT_KIND.ANY : EXPECT_KIND.VALUE);
    Atomics.store(rec, REC.CODE, e !== 'none' && e.kind === 'fault' ? ERRNO[e.code] : 0);
    Atomics.store(rec, REC.INFLIGHT, k);
  };

  /** A transfer on the thread's own device that the harness must never see on the bus. */
  const markerSlots = (k: number): number[] => {
    // At the end of the private partition, where no frame's windows lie: a port frame in flight is not disturbed.
    const mem = memories.get(priv.handle)!;
    const data = priv.size - MARKER_AREA;
    mem.set(MARKER, data);
    new DataView(mem.buffer).setUint32(data + 4, k, true);
    const desc = data + 64;
    encodeSpiXfer(new DataView(mem.buffer, mem.byteOffset + desc, SPI_XFER_DESC_SIZE), 0, {
      txPart: priv.handle,
      txOff: data,
      rxPart: 0,
      rxOff: 0,
      len: 8,
      speedHz: 0,
      delayUs: 0,
      bitsPerWord: 0,
      csChange: false,
      reserved: 0,
    });
    return [a.targets.spi.handle, priv.handle, desc, SPI_XFER_DESC_SIZE];
  };

  /** After its own fault the thread keeps calling; none of it may run. */
  const afterFault = (k: number): never => {
    if (sync) {
      sync.present(SYSCALLS.spi_transfer.nr, markerSlots(k));
      sync.fire();
    }
    blockForever();
  };

  // Learn obj_list's length once (a whole run's frames predict ENOSPC from it).
  if (rec[REC.OBJLIST_LEN] === 0) {
    const out = 0x1000;
    const slots = [priv.handle, out, 8192];
    const r = sync ? (sync.present(SYSCALLS.obj_list.nr, slots), sync.fire()) : await port!.send([77, SYSCALLS.obj_list.nr, ...slots], 77);
    if (r === 'dead' || r[0] <= 0) throw new Error(`fuzz-hostile: obj_list failed: ${String(r)}`);
    const json = JSON.parse(Buffer.from(memories.get(priv.handle)!.subarray(out, out + r[0])).toString('utf8')) as { thread?: unknown };
    if (json.thread !== boot.threadName) throw new Error(`fuzz-hostile: obj_list names ${String(json.thread)}`);
    rec[REC.OBJLIST_LEN] = r[0];
  }

  for (let k = Atomics.load(rec, REC.NEXT); k < a.frames; k = Atomics.load(rec, REC.NEXT)) {
    const rng = new Prng(a.seed, a.stream, k);
    const f = generateFrame({
      rng,
      transport,
      objects: a.objects,
      targets: a.targets,
      priv,
      self: boot.threadHandle,
      stale: stale(),
      lockHeld,
      lockAge,
      serverMaxMsg: a.serverMaxMsg,
    });
    if (lockHeld) lockAge++;
    const done = (cls?: number): void => {
      if (cls !== undefined) count(cls);
      Atomics.store(rec, REC.INFLIGHT, -1);
      Atomics.store(rec, REC.NEXT, k + 1);
    };

    if (f.kind === 'page-garbage') {
      setExpect(k, 'none');
      if (sync) sync.garbage(f.state, f.slots, f.heartbeat);
      else {
        const v = pageViews(boot.page);
        for (let i = 0; i < f.slots.length && SLOT_NR + i <= SLOT_R1; i++) v.slots[SLOT_NR + i] = f.slots[i]!;
        Atomics.store(v.ctl, CTL_HEARTBEAT, f.heartbeat);
        Atomics.store(v.ctl, CTL_STATE, f.state);
      }
      done(OUTCOME.GARBAGE);
      continue;
    }
    if (f.kind === 'bootstrap') {
      const code = f.faultCode as ErrnoCode | undefined;
      setExpect(k, code ? { kind: 'fault', code, why: f.note } : 'none');
      parentPort?.postMessage(f.message);
      if (code) blockForever(); // the kernel stops the thread on its (forged) word
      done(OUTCOME.GARBAGE);
      continue;
    }
    if (f.kind === 'memory-claim') {
      setExpect(k, { kind: 'fault', code: 'ENOMEM', why: 'the thread reports more ArrayBuffer memory than its budget' });
      const until = Date.now() + 10_000;
      // Blocked, so its own sampler cannot correct the figure; the watchdog reads it and stops the thread.
      while (Date.now() < until) {
        (sync ?? new SyncEngine(boot.page)).claimMemory(1e12);
        Atomics.wait(sleeper, 0, 0, 20);
      }
      mismatch(k, f, { kind: 'fault', code: 'ENOMEM', why: 'memory claim' }, 'not stopped within 10 s');
      done();
      continue;
    }

    // Frames that are calls (or port messages that are meant to be).
    for (const w of f.kind === 'call' ? f.writes : []) memories.get(w.part)?.set(w.bytes, w.off);
    let expect: Expect;
    let result: Result | 'dead';
    if (f.kind === 'port-garbage' || (port && f.kind === 'call')) {
      const seq = port!.nextSeq();
      let message: unknown;
      if (f.kind === 'port-garbage') message = f.message;
      else {
        const m: unknown[] = [seq, f.nr, ...f.slots];
        if (f.portShape === 'sparse') {
          // Holes (never at the sequence number, which the reply must carry).
          const holes = 1 + rng.int(0, Math.min(3, m.length - 2));
          for (let i = 0; i < holes; i++) delete m[rng.int(1, m.length - 1)];
        }
        message = m;
      }
      const shape = portFrame(message);
      expect = shape ? expectSyscall(world(), shape.nr, shape.slots) : { kind: 'fault', code: 'EINVAL', why: 'not an array of 2.. numbers' };
      setExpect(k, expect);
      if (expect.kind === 'fault') {
        port!.post(message);
        for (let i = 0; i < 4; i++) port!.post([port!.nextSeq(), SYSCALLS.spi_transfer.nr, ...markerSlots(k)]);
        // Waits for a reply that must never come: the kernel terminates the thread.
        await new Promise<never>(() => undefined);
      }
      result = await port!.send(message, seq);
    } else {
      const frame = f as Extract<Frame, { kind: 'call' }>;
      const shown = sync!.present(frame.nr, frame.slots, frame.truncateTo);
      expect = frame.race ? { kind: 'any', why: 'garbage written while the kernel reads the request' } : expectSyscall(world(), shown.nr, shown.slots);
      setExpect(k, expect);
      result = sync!.fire(frame.race ? rng : undefined);
    }
    if (result === 'dead') return afterFault(k);

    // The call returned: compare.
    if (expect.kind === 'any') {
      done(OUTCOME.ANY);
      continue;
    }
    if (expect.kind === 'fault') {
      mismatch(k, f, expect, { r0: result[0], r1: result[1] });
      done();
      continue;
    }
    const okR0 = expect.r0.includes(result[0]);
    const okR1 = expect.r1 === undefined || result[1] === expect.r1;
    if (!okR0 || !okR1) {
      mismatch(k, f, expect, { r0: result[0], r1: result[1] });
      done();
      continue;
    }
    if (expect.lock === 'take') {
      lockHeld = true;
      lockAge = 0;
    } else if (expect.lock === 'drop') lockHeld = false;
    const e = expect.effect;
    if (e?.kind === 'mortal-dies') rec[REC.MORTAL_DEAD] = 1;
    else if (e?.kind === 'fill') {
      for (const win of e.windows) {
        if (!window(win).every((b) => b === e.value)) mismatch(k, f, expect, `lent window ${win.part}:${win.off}+${win.len} not filled with ${e.value}`);
      }
    } else if (e?.kind === 'learn-leases') {
      const bytes = window(e.reply);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < e.count; i++) remember(view.getUint32(4 * i, true));
    } else if (e?.kind === 'echo') {
      if (!Buffer.from(window(e.reply)).equals(Buffer.from(e.expected))) mismatch(k, f, expect, 'echo reply differs from the message reversed');
    }
    done(expect.cls === 'eperm' ? OUTCOME.EPERM : expect.cls === 'refused' ? OUTCOME.REFUSED : expect.cls === 'ipc' ? OUTCOME.IPC : OUTCOME.OK);
  }
}
