/**
 * The spare confined worker (kernel/spare.ts): started ahead of need, adopted by the next confined
 * thread with the default heap limit, which then works like any other; left alone by threads it
 * does not fit (unconfined, another heap limit). And the SES code cache the build keeps on disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boot } from '../../src/host/hilbridge';
import { diskSesCache, sesCacheFile } from '../../src/kernel/ses-cache';
import { SPARE_HEAP_MB, startSpareWorker, stopSpareWorker, takeSpareWorker } from '../../src/kernel/spare';
import { bootTestKernel, HOSTILE } from '../helpers/kernel-board';

afterEach(async () => {
  await stopSpareWorker();
});

it('the driver thread adopts the spare, and serves reads and writes as usual', async () => {
  startSpareWorker();
  const hb = await boot();
  try {
    const e = await hb.openEeprom('eeprom0'); // starts the driver thread: it takes the spare
    expect(takeSpareWorker(SPARE_HEAP_MB)).toBeUndefined();
    await e.write(0x40, Uint8Array.of(1, 2, 3, 4));
    expect(Array.from(await e.read(0x40, 4))).toEqual([1, 2, 3, 4]);
    const t = hb.ps().find((x) => x.name === hb.device('eeprom0').servedBy)!;
    expect(t.state).toBe('running');
    expect(t.bySyscall['ipc_receive']).toBeGreaterThan(0);
  } finally {
    await hb.shutdown();
  }
}, 60_000);

it('is left alone by a thread it does not fit: unconfined, or another heap limit', async () => {
  startSpareWorker();
  const k = await bootTestKernel({ startThreads: false });
  try {
    await k.spawn(HOSTILE, { name: 'unconfined', confined: false, args: { mode: 'obj-list' } });
    await k.spawn(HOSTILE, { name: 'big-heap', limits: { heapMb: SPARE_HEAP_MB * 2 }, args: { mode: 'obj-list' } });
    await k.waitForThread('unconfined');
    await k.waitForThread('big-heap');
    const s = takeSpareWorker(SPARE_HEAP_MB);
    expect(s).toBeDefined();
    await s!.worker.terminate();
  } finally {
    await k.shutdown();
  }
}, 60_000);

it('the build keeps a V8 code cache of SES for this Node, next to the compiled kernel', () => {
  const c = diskSesCache();
  expect(c).toBeDefined();
  expect(sesCacheFile()).toBe(join(__dirname, '..', '..', 'dist', 'src', 'kernel', `ses-cache-v8-${process.versions.v8}-${process.arch}.bin`));
  expect(readFileSync(sesCacheFile()).length).toBe(c!.length);
});
