/**
 * How benchmark programs hand their timing samples to the kernel side: through a named partition
 * both can reach, not through `report` (a JSON message of at most 64 KiB). The program writes
 * float64 samples into the partition and reports where they are; the kernel side copies them out
 * once the program has finished.
 */
import { HilError } from '../src/abi/errno';

/** The partition every benchmark program gets (the kernel side creates it once). */
export const SAMPLES_PARTITION = 'bench-samples';
export const SAMPLES_BYTES = 8 * 1024 * 1024;

/** Where a series lies in the partition, in float64 elements. */
export interface SampleRef {
  readonly at: number;
  readonly count: number;
}

export function isSampleRef(x: unknown): x is SampleRef {
  const o = x as Record<string, unknown>;
  return typeof o === 'object' && o !== null && Number.isInteger(o.at) && Number.isInteger(o.count);
}

export class SampleWriter {
  readonly #view: Float64Array;
  #top = 0;

  constructor(partition: Uint8Array) {
    this.#view = new Float64Array(partition.buffer, partition.byteOffset, Math.floor(partition.byteLength / 8));
  }

  put(samples: Float64Array): SampleRef {
    if (this.#top + samples.length > this.#view.length) throw new HilError('ENOSPC', `the samples partition holds ${this.#view.length} samples`);
    this.#view.set(samples, this.#top);
    const ref = { at: this.#top, count: samples.length };
    this.#top += samples.length;
    return ref;
  }
}

/** A copy of a series out of the partition. */
export function readSamples(partition: Uint8Array, ref: SampleRef): Float64Array {
  const view = new Float64Array(partition.buffer, partition.byteOffset, Math.floor(partition.byteLength / 8));
  if (ref.at < 0 || ref.at + ref.count > view.length) throw new HilError('EPROTO', 'a benchmark program reported samples outside its partition');
  return view.slice(ref.at, ref.at + ref.count);
}
