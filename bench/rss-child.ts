/**
 * Child process of the RSS suite (bench/suites/rss.ts): `node --expose-gc rss-child.js 0,1,4,8
 * confined|unconfined`. Boots the scale board with no threads, then grows the number of idle
 * driver threads (eeprom-server, blocked in ipc_receive) to each count in turn and prints, as
 * one JSON line, the RSS and kernel heap after each step.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kernel } from '../src/kernel/kernel';
import { loadBoard, scaleBoardFile } from './boards';

declare const gc: (() => void) | undefined;

async function settle(): Promise<{ rssMiB: number; heapMiB: number }> {
  await sleep(300);
  const reads: number[] = [];
  let heap = 0;
  for (let i = 0; i < 5; i++) {
    if (typeof gc === 'function') gc();
    await sleep(60);
    const m = process.memoryUsage();
    reads.push(m.rss);
    heap = m.heapUsed;
  }
  reads.sort((a, b) => a - b);
  return { rssMiB: reads[2]! / 1048576, heapMiB: heap / 1048576 };
}

async function main(): Promise<void> {
  const counts = (process.argv[2] ?? '0,1,4,8').split(',').map(Number);
  const confined = process.argv[3] !== 'unconfined';
  const k = await Kernel.boot({ tree: loadBoard(scaleBoardFile()), startThreads: false });
  const out: { threads: number; rssMiB: number; heapMiB: number }[] = [];
  let running = 0;
  try {
    for (const n of counts) {
      while (running < n) {
        const dev = `sep${running}`;
        const name = `idle-${running}`;
        await k.spawn('eeprom-server', { name, grants: [dev], serves: [dev], confined });
        // The server is idle once it is blocked in its first ipc_receive.
        const t0 = performance.now();
        while ((k.threadInfo(name).bySyscall['ipc_receive'] ?? 0) < 1 && performance.now() - t0 < 20_000) await sleep(5);
        running++;
      }
      out.push({ threads: n, ...(await settle()) });
    }
  } finally {
    await k.shutdown();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
