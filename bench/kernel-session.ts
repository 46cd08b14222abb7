/**
 * Booting the benchmark board and running one benchmark program to completion in a user thread:
 * spawn it with its grants, transport and the samples partition, collect what it reports, and
 * return its counters and the samples partition's memory.
 */
import { join } from 'node:path';
import { HilError } from '../src/abi/errno';
import { Kernel, type SpawnOptions, type ThreadInfo } from '../src/kernel/kernel';
import { benchBoardFile, loadBoard } from './boards';
import { SAMPLES_BYTES, SAMPLES_PARTITION } from './samples';

/** A compiled benchmark program, by file name (dist/bench/programs/NAME.js). */
export function programPath(name: string): string {
  return join(__dirname, 'programs', `${name}.js`);
}

/** The (untimed) bench board with no threads started: the suites spawn their own. */
export async function bootBenchKernel(): Promise<Kernel> {
  return Kernel.boot({ tree: loadBoard(benchBoardFile(false)), startThreads: false });
}

/**
 * Spawns a program, waits for it to finish, and returns its last report, its counters and the
 * samples partition (valid until the next program runs).
 */
export async function runProgram(k: Kernel, program: string, opts: SpawnOptions): Promise<{ report: unknown; info: ThreadInfo; samples: Uint8Array }> {
  try {
    k.partitionBytes(SAMPLES_PARTITION);
  } catch {
    k.createPartition(SAMPLES_PARTITION, SAMPLES_BYTES);
  }
  const reports: unknown[] = [];
  const onReport = (thread: string, data: unknown): void => {
    if (thread === opts.name) reports.push(data);
  };
  k.on('report', onReport);
  try {
    await k.spawn(programPath(program), { ...opts, partitions: [...(opts.partitions ?? []), SAMPLES_PARTITION] });
    const info = await k.waitForThread(opts.name);
    if (info.state !== 'exited') {
      const why = info.lastFault ? `${info.lastFault.syscall}: ${info.lastFault.code}: ${info.lastFault.reason}` : 'no fault recorded';
      throw new HilError('EIO', `benchmark program ${opts.name} ended ${info.state} (${why})`);
    }
    // The report is a syscall: it reached the kernel before the thread exited.
    if (reports.length === 0) throw new HilError('EPROTO', `benchmark program ${opts.name} exited without reporting`);
    return { report: reports[reports.length - 1], info, samples: k.partitionBytes(SAMPLES_PARTITION) };
  } finally {
    k.off('report', onReport);
  }
}
