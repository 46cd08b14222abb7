/**
 * Benchmark program (user thread): times the `null` syscall over this thread's transport, and,
 * when asked, a direct in-process function call as the baseline. Samples go into the samples
 * partition; the report (`rt.report()`) says where.
 */
import type { UserRuntime } from '../../src/user/runtime';
import { type NullReport, parseNullArgs, type Series } from '../protocol';
import { SAMPLES_PARTITION, type SampleRef, SampleWriter } from '../samples';
import { batched, batchedAsync, perCall, perCallAsync } from '../timing';

const ZERO: readonly [number, number] = [0, 0];

/** What the kernel's null handler does, as a plain function in this thread. */
function directNull(): readonly [number, number] {
  return ZERO;
}

async function directNullAsync(): Promise<readonly [number, number]> {
  return ZERO;
}

export async function main(rt: UserRuntime): Promise<void> {
  const a = parseNullArgs(rt.args);
  const series: Series[] = [];
  let sink = 0;
  if (a.direct) {
    const f = (): void => {
      sink += directNull()[0] + 1;
    };
    const g = async (): Promise<void> => {
      sink += (await directNullAsync())[0] + 1;
    };
    series.push({ name: 'direct function call', timing: 'per call', samples: perCall(a.perCall, a.warmup, f) });
    series.push({ name: 'direct function call', timing: 'batched', samples: batched(a.blocks, a.blockSize, a.warmup, f) });
    series.push({ name: 'direct async call (await)', timing: 'per call', samples: await perCallAsync(a.perCall, a.warmup, g) });
    series.push({ name: 'direct async call (await)', timing: 'batched', samples: await batchedAsync(a.blocks, a.blockSize, a.warmup, g) });
  }
  const transport = rt.sys.kind;
  const label = a.label ?? transport;
  if (transport === 'sync') {
    const s = (): void => {
      sink += rt.sys.callSync('null')[0];
    };
    series.push({ name: `null syscall, ${label} transport, callSync`, timing: 'per call', samples: perCall(a.perCall, a.warmup, s) });
    series.push({ name: `null syscall, ${label} transport, callSync`, timing: 'batched', samples: batched(a.blocks, a.blockSize, a.warmup, s) });
  }
  const c = async (): Promise<void> => {
    sink += (await rt.sys.call('null'))[0];
  };
  series.push({ name: `null syscall, ${label} transport, await call`, timing: 'per call', samples: await perCallAsync(a.perCall, a.warmup, c) });
  series.push({ name: `null syscall, ${label} transport, await call`, timing: 'batched', samples: await batchedAsync(a.blocks, a.blockSize, a.warmup, c) });
  const out = new SampleWriter(rt.memory.partition(SAMPLES_PARTITION).bytes);
  const report: NullReport<SampleRef> = { kind: 'null', transport, series: series.map((x) => ({ ...x, samples: out.put(x.samples) })), calls: rt.sys.counts.null ?? 0, sink };
  await rt.report(report);
}
