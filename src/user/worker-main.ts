/**
 * The trusted half of a user thread, after the bootstrap: builds the runtime from the boot info,
 * reports faults and memory use to the kernel, loads the program and runs its `main(rt)`.
 *
 * - Faults: any uncaught error or rejection (any value: null, a Proxy, an object whose getters
 *   throw) is described without running program code (property descriptors only), its stack
 *   mapped to the program's sources, posted to the kernel as this thread's fault, and the thread
 *   exits. The kernel never reads the thrown value itself.
 * - Memory: a sampler writes the isolate's ArrayBuffer bytes and a heartbeat into the syscall page
 *   for the kernel's watchdog, and ends the thread itself when it is over its budget.
 * - Confinement: the program's files run in a SES Compartment whose only globals are the
 *   endowments (sandbox/endowments.ts) and whose `require` is the confined loader's; `rt` and
 *   every object reachable from it are hardened first. Unconfined threads `require` the program.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { Script } from 'node:vm';
import { join } from 'node:path';
import { ABI_VERSION, type BootInfo, type ObjectGrant } from '../abi/boot-info';
import { type ErrnoCode, HilError, isErrnoCode } from '../abi/errno';
import { CTL_HEARTBEAT, pageViews, SLOT_BUFFER_BYTES } from '../abi/page';
import { type RuntimeControl, setRuntime, UserRuntime } from './runtime';
import { endowments } from './sandbox/endowments';
import { ConfinedLoader, packageRootOf } from './sandbox/loader';
import { type CompartmentLike, type SesGlobals, sesGlobals } from './sandbox/ses';
import { StackMapper } from './sandbox/stack';
import { PortTransport, SyncTransport, type Transport } from './transport';

export interface WorkerStart {
  readonly boot: BootInfo;
  readonly port?: MessagePort | undefined;
  /** V8 code cache of the SES library from an earlier worker. */
  readonly sesCache?: Uint8Array | undefined;
}

type Main = (rt: UserRuntime) => unknown;

/** Modules of hilbridge a confined program may require by path: pure ABI code and the SDK's public modules. */
const TRUSTED_MODULES = [
  'abi/boot-info',
  'abi/device-config',
  'abi/eeprom-iface',
  'abi/errno',
  'abi/i2c',
  'abi/ipc-interface',
  'abi/lease',
  'abi/page',
  'abi/spi',
  'abi/syscalls',
  'abi/thread-spec',
  'user/index',
  'user/device-api',
  'user/ipc',
  'user/lease',
  'user/memory',
  'user/spi',
  'user/i2c',
  'user/syscall',
];

/** A property of an untrusted value, read without running its getters or traps (undefined if that is impossible). */
function dataField(v: unknown, key: string): unknown {
  try {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return undefined;
    const d = Object.getOwnPropertyDescriptor(v, key);
    return d && 'value' in d ? d.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * V8 12 (Node 22) and later keep an error's `stack` behind an accessor that every error shares.
 * Captured here, before any program code runs, it is the one getter trusted to be called on a
 * thrown value: a getter the program put there itself is never run.
 */
const NATIVE_STACK_GET = ((): ((this: unknown) => unknown) | undefined => {
  const d = Object.getOwnPropertyDescriptor(new Error('probe'), 'stack');
  return d && typeof d.get === 'function' ? d.get : undefined;
})();

/** The stack of a thrown value: a data property (V8 11, Node 20), or V8's own accessor; else undefined. */
function stackOf(v: object): unknown {
  try {
    const d = Object.getOwnPropertyDescriptor(v, 'stack');
    if (!d) return undefined;
    if ('value' in d) return d.value;
    return NATIVE_STACK_GET !== undefined && d.get === NATIVE_STACK_GET ? Reflect.apply(NATIVE_STACK_GET, v, []) : undefined;
  } catch {
    return undefined;
  }
}

/** What a thrown value was, as text, without running program code. */
function describeFault(e: unknown, mapper: StackMapper): { code: ErrnoCode; text: string } {
  try {
    if (e === null || e === undefined || (typeof e !== 'object' && typeof e !== 'function')) {
      return { code: 'EFAULT', text: `threw ${typeof e === 'string' ? JSON.stringify(e) : String(e)}` };
    }
    const code = dataField(e, 'code');
    const stack = stackOf(e);
    const name = dataField(e, 'name');
    const message = dataField(e, 'message');
    const head = typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : 'threw a non-error object';
    const text = typeof stack === 'string' ? mapper.map(stack) : head;
    return { code: typeof code === 'string' && isErrnoCode(code) ? code : 'EFAULT', text: text.length > 4000 ? `${text.slice(0, 4000)}…` : text };
  } catch {
    return { code: 'EFAULT', text: 'threw an unreadable value' };
  }
}

function mainOf(mod: unknown, program: string): Main {
  const direct = dataField(mod, 'main');
  if (typeof direct === 'function') return direct as Main;
  const dflt = dataField(mod, 'default');
  if (typeof dflt === 'function') return dflt as Main;
  const nested = dataField(dflt, 'main');
  if (typeof nested === 'function') return nested as Main;
  throw new HilError('EINVAL', `${program} exports no main(rt) function`);
}

/** Writes the isolate's ArrayBuffer bytes and a heartbeat for the kernel; ends the thread over budget. */
function startSampler(page: SharedArrayBuffer, limit: number, fail: (code: ErrnoCode, text: string) => void): void {
  const { ctl, slots } = pageViews(page);
  let beat = 0;
  const tick = (): void => {
    const bytes = process.memoryUsage().arrayBuffers;
    slots[SLOT_BUFFER_BYTES] = bytes;
    Atomics.store(ctl, CTL_HEARTBEAT, ++beat);
    if (bytes > limit) fail('ENOMEM', `holds ${Math.round(bytes / 1048576)} MiB of ArrayBuffer memory, over its budget of ${Math.round(limit / 1048576)} MiB`);
  };
  tick();
  setInterval(tick, 50).unref();
}

function trustedModules(harden: <T>(x: T) => T): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const rel of TRUSTED_MODULES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out.set(rel, harden(require(join(__dirname, '..', `${rel}.js`)) as unknown));
  }
  return out;
}

/**
 * The runtime of a user thread, hardened when confined: what `main(rt)` receives, with the
 * controls only the bootstrap keeps. (Tests build it the same way to walk what a program can reach.)
 */
export function buildRuntime(boot: BootInfo, port: MessagePort | undefined, harden: <T>(x: T) => T): { rt: UserRuntime; transport: Transport; control: RuntimeControl } {
  harden(boot);
  const transport: Transport = boot.transport === 'port' && port ? new PortTransport(port) : new SyncTransport(boot.page, boot.spinUs);
  let control: RuntimeControl | undefined;
  const rt = new UserRuntime(boot, transport, { control: (c) => (control = c), freeze: harden });
  harden(rt);
  return { rt, transport, control: control! };
}

/** The globals of a program's compartment (frozen), for its runtime. */
export function programCompartment(ses: SesGlobals, rt: UserRuntime, name: string): CompartmentLike {
  const compartment = new ses.Compartment({ __options__: true, name, globals: ses.harden(endowments(rt, ses.harden)) });
  Object.freeze(compartment.globalThis);
  return compartment;
}

export function run(start: WorkerStart, sesScript: Script | undefined, startedAt: number): void {
  const { boot, port } = start;
  const post = (m: unknown): void => parentPort?.postMessage(m);
  const mapper = new StackMapper();
  let failed = false;
  const fail = (code: ErrnoCode, text: string): void => {
    if (failed) return;
    failed = true;
    post({ kind: 'fault', code, reason: text });
    process.exit(1);
  };
  const onThrow = (e: unknown): void => {
    const d = describeFault(e, mapper);
    fail(d.code, `uncaught ${d.text}`);
  };
  process.on('uncaughtException', onThrow);
  process.on('unhandledRejection', onThrow);
  if (boot.abi !== ABI_VERSION) return fail('EPROTO', `ABI mismatch: kernel ${boot.abi}, user library ${ABI_VERSION}`);

  const ses = boot.confined ? sesGlobals() : undefined;
  const harden = ses ? ses.harden : <T>(x: T): T => x;
  const { rt, control } = buildRuntime(boot, port, harden);
  setRuntime(rt);
  parentPort?.on('message', (m: unknown) => {
    if (dataField(m, 'kind') === 'grant') {
      const o = dataField(m, 'object');
      if (typeof o === 'object' && o !== null) control.addGrant(o as ObjectGrant);
    }
  });
  startSampler(boot.page, boot.bufferLimitBytes, fail);

  let main: Main;
  try {
    if (ses) {
      const compartment = programCompartment(ses, rt, boot.threadName);
      const loader = new ConfinedLoader({
        compartment,
        hilbridgeDist: join(__dirname, '..'),
        trusted: trustedModules(harden),
        confinedDirs: ['userdrivers'],
        programRoot: packageRootOf(boot.program),
        harden,
        onSource: (file, source) => mapper.remember(file, source),
      });
      main = mainOf(loader.loadMain(boot.program), boot.program);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      main = mainOf(require(boot.program) as unknown, boot.program);
    }
  } catch (e) {
    const d = describeFault(e, mapper);
    return fail(d.code, `failed to load ${boot.program}: ${d.text}`);
  }
  if (sesScript && start.sesCache === undefined) post({ kind: 'ses-cache', data: new Uint8Array(sesScript.createCachedData()) });
  post({ kind: 'ready', ms: performance.now() - startedAt });
  Promise.resolve()
    .then(() => main(rt))
    .then(
      async () => {
        await control.settled();
        process.exit(0);
      },
      onThrow,
    );
}
