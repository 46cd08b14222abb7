/**
 * Suite 2, user-mode against in-kernel driver: the same At25Eeprom code runs each operation in the
 * kernel (kernel.deviceApi, plain-memory DriverEnv: no syscalls, no copies across threads) and
 * in a user thread over syscalls, once per variant, every round. Syscalls per operation come
 * from the kernel's counters for the thread; in the kernel, SPI transactions are counted at the
 * device interface, and the two must agree (one spi_transfer per transaction).
 */
import { HilError } from '../../src/abi/errno';
import { kernelDriverEnv } from '../../src/kernel/inkernel';
import type { Kernel } from '../../src/kernel/kernel';
import type { DriverEnv, SpiDeviceApi } from '../../src/user/device-api';
import { At25Eeprom } from '../../src/userdrivers/at25';
import type { Collector } from '../collect';
import { runProgram } from '../kernel-session';
import { EEPROM_OPS, eepromOp, opLabel } from '../ops';
import { asDriverReport } from '../protocol';
import { slug, spawnOptionsOf, USER_VARIANTS } from '../variants';
import type { Check, Row } from '../result';
import { perCallAsync } from '../timing';

/** Per round: timed repetitions of each operation, and untimed warm-up runs. */
export interface DriverParams {
  readonly reps: number;
  readonly warmup: number;
  readonly rounds: number;
  /**
   * Untimed runs of every operation in the kernel before anything is timed, so that the mock bus
   * and model (which serve every path on the kernel's thread) are compiled by the JIT before the
   * first measurement rather than during whichever path happens to run first.
   */
  readonly prime: number;
}

const DEVICE = 'eeprom0';

/** A DriverEnv of ordinary memory and timers, as an in-kernel driver has. */
export function kernelEnv(): DriverEnv {
  return kernelDriverEnv();
}

/** Wraps a device API to count its transactions. */
function counting(spi: SpiDeviceApi): { spi: SpiDeviceApi; count: () => number } {
  let n = 0;
  return {
    spi: {
      maxTransferBytes: spi.maxTransferBytes,
      transfer: (xfers) => {
        n++;
        return spi.transfer(xfers);
      },
      lock: (ms) => spi.lock(ms),
      unlock: () => spi.unlock(),
    },
    count: () => n,
  };
}

export function inKernelName(label: string): string {
  return `in kernel: ${label}`;
}

function userName(variant: string, label: string): string {
  return `user thread, ${variant}: ${label}`;
}

export async function driverSuite(k: Kernel, p: DriverParams, out: Collector, checks: Check[]): Promise<void> {
  const cfg = k.devices().find((d) => d.name === DEVICE)?.config;
  if (cfg?.kind !== 'at25') throw new HilError('ENODEV', `the benchmark board has no AT25 named ${DEVICE}`);
  const primer = new At25Eeprom((k.deviceApi(DEVICE) as SpiDeviceApi), cfg, kernelEnv());
  for (const op of EEPROM_OPS) {
    const run = eepromOp(primer, op);
    for (let i = 0; i < p.prime; i++) await run();
  }
  const foreign: string[] = [];
  let seq = 0;
  for (let round = 0; round < p.rounds; round++) {
    for (const op of EEPROM_OPS) {
      const c = counting((k.deviceApi(DEVICE) as SpiDeviceApi));
      const dev = new At25Eeprom(c.spi, cfg, kernelEnv());
      const samples = await perCallAsync(p.reps, p.warmup, eepromOp(dev, op));
      out.add('driver', inKernelName(opLabel(op)), 'per call', samples, { ops: p.reps + p.warmup, transactions: c.count() });
    }
    for (const v of USER_VARIANTS) {
      for (const op of EEPROM_OPS) {
        const name = `bench-driver-${slug(v)}-${seq++}`;
        const { report, info, samples } = await runProgram(k, 'eeprom-ops', { name, grants: [DEVICE], ...spawnOptionsOf(v), args: { op, reps: p.reps, warmup: p.warmup } });
        const r = asDriverReport(report, samples);
        out.add('driver', userName(v.label, opLabel(op)), 'per call', r.samples, { ops: r.ops, syscalls: info.bySyscall['spi_transfer'] ?? 0 });
        const other = Object.keys(info.bySyscall).filter((s) => s !== 'spi_transfer' && s !== 'report');
        if (other.length) foreign.push(`${name}: ${other.join(', ')}`);
      }
    }
  }
  checks.push({
    name: 'user-mode driver makes only spi_transfer syscalls (and its one report)',
    ok: foreign.length === 0,
    detail: foreign.length ? foreign.join('; ') : 'no other syscall seen (write cycle 0: no sleeps, no polls)',
  });
}

/** After the rows are built: each SPI transaction of the driver costs exactly one syscall. */
export function checkSyscallsPerTransaction(rows: readonly Row[], checks: Check[]): void {
  for (const op of EEPROM_OPS) {
    const label = opLabel(op);
    const tx = rows.find((r) => r.name === inKernelName(label))?.transactionsPerOp;
    for (const { label: variant } of USER_VARIANTS) {
      const sc = rows.find((r) => r.name === userName(variant, label))?.syscallsPerOp;
      checks.push({
        name: `one syscall per SPI transaction (${variant}, ${label})`,
        ok: tx !== undefined && sc === tx,
        detail: `user thread ${sc} syscalls/op, in kernel ${tx} transactions/op`,
      });
    }
  }
}
