/**
 * The kernel's userspace rules, tested with real worker threads on the mock bus: grants, faults,
 * transports, bus locks, restarts, and the two placements of a driver.
 */
import { join } from 'node:path';
import type { At25Config } from '../../src/abi/device-config';
import type { SpiDeviceApi } from '../../src/user/device-api';
import { replyError } from '../../src/abi/ipc-interface';
import type { MockTransactionRecord } from '../../src/hal/mock/spi-controller';
import { EepromHandle } from '../../src/host/eeprom';
import { kernelDriverEnv } from '../../src/kernel/inkernel';
import type { Kernel } from '../../src/kernel/kernel';
import { bootTestKernel, HOSTILE, reports } from '../helpers/kernel-board';
import { mockSpi } from '../helpers/mock-bus';

let k: Kernel;
let seq = 0;

beforeEach(async () => {
  k = await bootTestKernel();
});
afterEach(async () => {
  await k.shutdown();
});

function eeprom(name = 'eeprom0'): Promise<EepromHandle> {
  return EepromHandle.open(name, async (msg, leases) => {
    const r = await k.call(name, msg, leases.map((l) => ({ bytes: l.buf, access: l.access })));
    if (r.status < 0) throw replyError(r.status, r.reply);
    return r.reply;
  });
}

function handleOf(name: string): number {
  const d = k.devices().find((x) => x.name === name);
  if (!d) throw new Error(`no ${name}`);
  return d.handle;
}

function busLog(): readonly MockTransactionRecord[] {
  return mockSpi(k, 'spi0').log;
}

async function runHostile(args: Record<string, unknown>, opts: { grants?: string[]; transport?: 'sync' | 'port' } = {}) {
  const name = `hostile-${++seq}`;
  await k.spawn(HOSTILE, { name, args, grants: opts.grants ?? [], transport: opts.transport ?? 'sync' });
  const info = await k.waitForThread(name);
  return info;
}

/** After a hostile thread, the kernel and the other driver still serve. */
async function stillServes(): Promise<void> {
  const e = await eeprom();
  const data = Uint8Array.from([1, 2, 3, 4, 5]);
  await e.write(62, data); // crosses the 64-byte page boundary
  expect(Array.from(await e.read(62, 5))).toEqual([1, 2, 3, 4, 5]);
}

describe('walking skeleton', () => {
  it('the driver thread writes across a page boundary and reads back through syscalls', async () => {
    const e = await eeprom();
    const pattern = Uint8Array.from({ length: 80 }, (_, i) => (0xa0 + i) & 0xff);
    await e.write(40, pattern);
    expect(Buffer.from(await e.read(40, 80)).equals(Buffer.from(pattern))).toBe(true);
    const drv = k.ps().find((t) => t.name === 'eeprom0_driver')!;
    expect(drv.counters.syscalls).toBeGreaterThan(4);
    expect(drv.bySyscall.spi_transfer).toBeGreaterThan(1);
    // The bus saw two WRITE commands: the write was split at the page boundary at 64.
    const writes = busLog().flatMap((t) => t.xfers).filter((x) => x.tx[0] === 0x02);
    expect(writes.map((x) => (x.tx[1]! << 8) | x.tx[2]!)).toEqual([40, 64]);
  });

  it('an ungranted thread gets EPERM and the bus sees nothing from it', async () => {
    const before = busLog().length;
    const got = reports(k, 'hostile-1', 2);
    const info = await runHostile({ mode: 'ungranted-spi', handle: handleOf('eeprom2') });
    const [first, second] = (await got) as { ok: boolean; code?: string }[];
    expect(first).toMatchObject({ ok: false, code: 'EPERM' });
    expect(second).toMatchObject({ ok: true }); // not a fault: the thread carried on
    expect(info.state).toBe('exited');
    expect(info.counters.denials).toBe(1);
    expect(info.counters.faults).toBe(0);
    expect(busLog().length).toBe(before);
  });
});

describe('faults stop the thread, the kernel carries on', () => {
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['a forged handle', () => ({ mode: 'forged-handle', handle: 0x7ffe1234 }), 'EBADF'],
    ['a stale (recycled) handle', () => ({ mode: 'forged-handle', handle: handleOf('eeprom0') + 65536 }), 'EBADF'],
    ['a handle of the wrong type', () => ({ mode: 'wrong-type' }), 'EBADF'],
    ["another thread's partition", () => ({ mode: 'foreign-partition', handle: handleOf('eeprom0'), partition: k.partitionHandle('eeprom0_driver.private') }), 'EFAULT'],
    ['a window past the end of a partition', () => ({ mode: 'past-end' }), 'EFAULT'],
    ['NaN', () => ({ mode: 'bad-int', value: NaN }), 'EINVAL'],
    ['a fraction', () => ({ mode: 'bad-int', value: 1.5 }), 'EINVAL'],
    ['a negative integer', () => ({ mode: 'bad-int', value: -1 }), 'EINVAL'],
    ['a huge integer', () => ({ mode: 'bad-int', value: 2 ** 53 }), 'EINVAL'],
    ['an unknown syscall number', () => ({ mode: 'unknown-nr' }), 'ENOSYS'],
  ];
  for (const transport of ['sync', 'port'] as const) {
    it.each(cases)(`%s over the ${transport} transport`, async (_what, args, code) => {
      const before = busLog().length;
      const info = await runHostile(args(), { grants: ['eeprom0'], transport });
      expect(info.state).toBe('faulted');
      expect(info.counters.faults).toBe(1);
      expect(info.lastFault?.code).toBe(code);
      expect(busLog().length).toBe(before);
      await stillServes();
      expect(k.events.some((e) => e.kind === 'fault' && e.thread === info.name)).toBe(true);
    });
  }

  it('an uncaught exception in a program is a fault, restarted by policy, then held back after quick failures in a row', async () => {
    const heldBack = new Promise<void>((resolve) =>
      k.on('event', (ev: { kind: string; thread: string; message: string }) => {
        if (ev.kind === 'restart' && ev.thread === 'crasher' && ev.message.startsWith('not restarted')) resolve();
      }),
    );
    await k.spawn(HOSTILE, { name: 'crasher', args: { mode: 'crash' }, restart: { maxRestarts: 2, backoffMs: 10 } });
    await heldBack; // the policy's own word that it gave up: no polling
    const info = k.threadInfo('crasher');
    expect(info.counters.faults).toBe(3);
    expect(info.counters.restarts).toBe(2); // then held back: the limit is reached
    await stillServes();
  });
});

describe('requests a device cannot serve are errors, not faults', () => {
  it('a clock above spi-max-frequency returns EINVAL', async () => {
    const got = reports(k, `hostile-${seq + 1}`);
    const info = await runHostile({ mode: 'too-fast', handle: handleOf('eeprom2'), speedHz: 2_000_001 }, { grants: ['eeprom2'] });
    expect((await got)[0]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(info.state).toBe('exited');
  });

  it('a transaction longer than the bus allows returns EMSGSIZE', async () => {
    const got = reports(k, `hostile-${seq + 1}`);
    await runHostile({ mode: 'too-long', handle: handleOf('eeprom2'), len: 4097 }, { grants: ['eeprom2'] });
    expect((await got)[0]).toMatchObject({ ok: false, code: 'EMSGSIZE' });
  });
});

describe('bus arbitration', () => {
  it('a bus lock held past its timeout faults the holder and frees the bus', async () => {
    const name = `hostile-${seq + 1}`;
    const locked = reports(k, name);
    const done = runHostile({ mode: 'lock-forever', handle: handleOf('eeprom2'), timeoutMs: 100 }, { grants: ['eeprom2'] });
    await locked;
    // eeprom0 shares the bus: its driver waits for the lock, then proceeds once the holder is faulted.
    const e = await eeprom();
    const t0 = Date.now();
    await e.read(0, 16);
    const info = await done;
    expect(info.state).toBe('faulted');
    expect(info.lastFault?.code).toBe('ETIMEDOUT');
    expect(Date.now() - t0).toBeLessThan(5000);
    await stillServes();
  });
});

describe('transports', () => {
  it('a flood of calls is served and counted on both transports', async () => {
    for (const transport of ['sync', 'port'] as const) {
      const name = `hostile-${seq + 1}`;
      const got = reports(k, name);
      const info = await runHostile({ mode: 'flood', count: 5000 }, { transport });
      expect((await got)[0]).toEqual({ done: 5000 });
      expect(info.bySyscall.null).toBe(5000);
    }
    await stillServes();
  });

  it('both transports give identical results', async () => {
    const results: unknown[] = [];
    for (const transport of ['sync', 'port'] as const) {
      const name = `hostile-${seq + 1}`;
      const got = reports(k, name);
      await runHostile({ mode: 'obj-list' }, { grants: ['eeprom2'], transport });
      const r = (await got)[0] as { thread: string; grants: unknown[]; partitions: { name: string }[] };
      results.push({ grants: r.grants, partitions: r.partitions.map((p) => p.name.replace(r.thread, 'T')) });
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ grants: [{ type: 'spi_device', name: 'eeprom2' }, { type: 'gpio', name: 'eeprom2-wp' }] });
  });
});

describe('driver placement (the seed design)', () => {
  const cfg = (): At25Config => k.devices().find((d) => d.name === 'eeprom2')!.config as At25Config;
  const LIB = join(__dirname, '..', 'fixtures', 'programs', 'lib-driver.js');

  it('a driver library in the caller needs both its partition and the bus grant', async () => {
    k.createPartition('at25-globals', 16384);
    const outcome = async (name: string, grants: string[], partitions: string[]) => {
      const got = reports(k, name);
      await k.spawn(LIB, { name, grants, partitions, args: { device: 'eeprom2', config: cfg() } });
      return (await got)[0];
    };
    expect(await outcome('both', ['eeprom2'], ['at25-globals'])).toEqual({ ok: true });
    expect(await outcome('no-partition', ['eeprom2'], [])).toMatchObject({ ok: false, code: 'EFAULT' });
    expect(await outcome('no-grant', [], ['at25-globals'])).toMatchObject({ ok: false, code: 'EPERM' });
  });

  it('a driver thread serves other threads only when they hold its endpoint', async () => {
    const CLIENT = join(__dirname, '..', 'fixtures', 'programs', 'eeprom-client.js');
    const run = async (name: string, calls: string[]) => {
      const got = reports(k, name);
      await k.spawn(CLIENT, { name, calls, args: { endpoint: 'eeprom0' } });
      return (await got)[0];
    };
    expect(await run('client-ok', ['eeprom0'])).toMatchObject({ ok: true, size: 32768 });
    expect(await run('client-denied', [])).toMatchObject({ ok: false, code: 'EPERM' });
  });

  it('the same driver runs in the kernel with no syscalls', async () => {
    const { At25Eeprom } = await import('../../src/userdrivers/at25');
    const before = k.stats.syscalls;
    const e = new At25Eeprom(k.deviceApi('eeprom2') as SpiDeviceApi, cfg(), kernelDriverEnv());
    await e.write(10, Uint8Array.from([9, 8, 7]));
    expect(Array.from(await e.read(10, 3))).toEqual([9, 8, 7]);
    expect(k.stats.syscalls).toBe(before);
  });
});
