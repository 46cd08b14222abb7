/**
 * Suite 2, user-mode against in-kernel driver: the same driver code (AT25 or AT24) runs each
 * operation in the kernel (kernel.deviceApi, plain-memory DriverEnv: no syscalls, no copies
 * across threads) and in a user thread over syscalls, once per variant, every round. Syscalls
 * per operation come from the kernel's counters for the thread; in the kernel, bus transactions
 * are counted at the device interface, and the two must agree (one transfer syscall per
 * transaction).
 */
import { HilError } from '../../src/abi/errno';
import { kernelDriverEnv } from '../../src/kernel/inkernel';
import type { Kernel } from '../../src/kernel/kernel';
import type { DriverEnv, I2cDeviceApi, SpiDeviceApi } from '../../src/user/device-api';
import { openDriver } from '../../src/userdrivers/eeprom-server';
import type { Collector } from '../collect';
import { runProgram } from '../kernel-session';
import { eepromOp, opLabel, type OpSpec } from '../ops';
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
  /** The device and the operations (bench/ops.ts opsFor). */
  readonly device: string;
  readonly ops: readonly OpSpec[];
  /**
   * The part has no write cycle and the bus takes no time (the bench board), so a driver makes
   * nothing but transfers; on a real chip it also polls and sleeps, and the counts differ.
   */
  readonly exact: boolean;
}

/** A DriverEnv of ordinary memory and timers, as an in-kernel driver has. */
export function kernelEnv(): DriverEnv {
  return kernelDriverEnv();
}

/** Wraps a device API to count its transactions. */
function counting(api: SpiDeviceApi | I2cDeviceApi): { api: SpiDeviceApi | I2cDeviceApi; count: () => number } {
  let n = 0;
  if ('lock' in api) {
    const spi: SpiDeviceApi = {
      maxTransferBytes: api.maxTransferBytes,
      transfer: (xfers) => {
        n++;
        return api.transfer(xfers);
      },
      lock: (ms) => api.lock(ms),
      unlock: () => api.unlock(),
    };
    return { api: spi, count: () => n };
  }
  const i2c: I2cDeviceApi = {
    maxTransferBytes: api.maxTransferBytes,
    repeatedStart: api.repeatedStart,
    transfer: (msgs) => {
      n++;
      return api.transfer(msgs);
    },
  };
  return { api: i2c, count: () => n };
}

export function inKernelName(label: string): string {
  return `in kernel: ${label}`;
}

function userName(variant: string, label: string): string {
  return `user thread, ${variant}: ${label}`;
}

export async function driverSuite(k: Kernel, p: DriverParams, out: Collector, checks: Check[]): Promise<void> {
  const DEVICE = p.device;
  const EEPROM_OPS = p.ops;
  const cfg = k.devices().find((d) => d.name === DEVICE)?.config;
  if (!cfg) throw new HilError('ENODEV', `the board has no EEPROM named ${DEVICE}`);
  const transfer = cfg.kind === 'at25' ? 'spi_transfer' : 'i2c_transfer';
  const primer = openDriver(cfg, k.deviceApi(DEVICE), kernelEnv());
  for (const op of EEPROM_OPS) {
    const run = eepromOp(primer, op);
    for (let i = 0; i < p.prime; i++) await run();
  }
  const foreign: string[] = [];
  let seq = 0;
  for (let round = 0; round < p.rounds; round++) {
    for (const op of EEPROM_OPS) {
      const c = counting(k.deviceApi(DEVICE));
      const dev = openDriver(cfg, c.api, kernelEnv());
      const samples = await perCallAsync(p.reps, p.warmup, eepromOp(dev, op));
      out.add('driver', inKernelName(opLabel(op)), 'per call', samples, { ops: p.reps + p.warmup, transactions: c.count() });
    }
    for (const v of USER_VARIANTS) {
      for (const op of EEPROM_OPS) {
        const name = `bench-driver-${slug(v)}-${seq++}`;
        const { report, info, samples } = await runProgram(k, 'eeprom-ops', { name, grants: [DEVICE], ...spawnOptionsOf(v), args: { device: DEVICE, op, reps: p.reps, warmup: p.warmup } });
        const r = asDriverReport(report, samples);
        out.add('driver', userName(v.label, opLabel(op)), 'per call', r.samples, { ops: r.ops, syscalls: info.bySyscall[transfer] ?? 0 });
        const other = Object.keys(info.bySyscall).filter((s) => s !== transfer && s !== 'report');
        if (other.length) foreign.push(`${name}: ${other.join(', ')}`);
      }
    }
  }
  checks.push({
    name: `user-mode driver makes only ${transfer} syscalls (and its one report)`,
    ok: foreign.length === 0 || !p.exact,
    detail: foreign.length ? foreign.join('; ') : 'no other syscall seen (write cycle 0: no sleeps, no polls)',
  });
}

/**
 * After the rows are built: each bus transaction of the driver costs exactly one syscall. With
 * `exact` (a simulated part without a write cycle) the counts must be equal; on a chip with a
 * write cycle the driver polls the status register as often as the chip needs, so the two
 * placements' averages may differ by a fraction of a poll (the rows ran at different moments).
 */
export function checkSyscallsPerTransaction(rows: readonly Row[], checks: Check[], ops: readonly OpSpec[], exact = true): void {
  for (const op of ops) {
    const label = opLabel(op);
    const tx = rows.find((r) => r.name === inKernelName(label))?.transactionsPerOp;
    for (const { label: variant } of USER_VARIANTS) {
      const sc = rows.find((r) => r.name === userName(variant, label))?.syscallsPerOp;
      checks.push({
        name: `one syscall per bus transaction (${variant}, ${label})`,
        ok: tx !== undefined && sc !== undefined && (exact ? sc === tx : Math.abs(sc - tx) <= Math.max(0.5, 0.05 * tx)),
        detail: `user thread ${sc} syscalls/op, in kernel ${tx} transactions/op${exact ? '' : ' (a real write cycle: the polls per write vary, so within half a poll or 5 %)'}`,
      });
    }
  }
}
