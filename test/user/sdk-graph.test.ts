/**
 * "Nothing reachable from rt leads to a MessagePort, parentPort, the syscall page, or the
 * worker's global object", proved by walking: a worker builds a confined runtime the way the
 * bootstrap does and visits every object a program could reach from it (and from its
 * compartment's globals), checking each against the forbidden list, that it is frozen, and that
 * no Function constructor on the way evaluates code with Node in reach.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = join(__dirname, '..', '..');

function walk(transport: 'sync' | 'port'): Promise<{ violations: string[]; count: number; visited: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(join(ROOT, 'test', 'fixtures', 'workers', 'sdk-walk.js'), { workerData: { root: ROOT, transport } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`walker exited ${code}`)));
  });
}

it.each(['sync', 'port'] as const)('over the %s transport, every object a program can reach is frozen and none leads out', async (transport) => {
  const r = await walk(transport);
  expect(r.violations).toEqual([]);
  expect(r.visited).toBeGreaterThan(500); // the walk really went through the SDK and the intrinsics
});
