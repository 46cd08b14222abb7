/**
 * Entry point of every user thread: builds the runtime from the boot info the kernel passed,
 * loads the program and runs its `main(rt)`. The thread ends when main resolves; an exception
 * escaping main ends it as a fault (the kernel's supervisor decides about a restart).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { BootInfo, ObjectGrant } from '../abi/boot-info';
import { ABI_VERSION } from '../abi/boot-info';
import { setRuntime, UserRuntime } from './runtime';

interface Program {
  main?: (rt: UserRuntime) => unknown;
  default?: ((rt: UserRuntime) => unknown) | { main?: (rt: UserRuntime) => unknown };
}

const { boot, port } = workerData as { boot: BootInfo; port?: MessagePort };
if (boot.abi !== ABI_VERSION) throw new Error(`ABI mismatch: kernel ${boot.abi}, user library ${ABI_VERSION}`);
const rt = new UserRuntime(boot, port);
setRuntime(rt);
parentPort?.on('message', (m: { kind?: string; object?: ObjectGrant }) => {
  if (m.kind === 'grant' && m.object) rt.objects.push(m.object);
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mod = require(boot.program) as Program;
const main = mod.main ?? (typeof mod.default === 'function' ? mod.default : mod.default?.main);
if (typeof main !== 'function') throw new Error(`${boot.program} exports no main(rt) function`);
Promise.resolve(main(rt)).then(
  () => process.exit(0),
  (e: unknown) => {
    // Rethrown outside the promise chain so that the worker reports it as an uncaught error.
    setImmediate(() => {
      throw e;
    });
  },
);
