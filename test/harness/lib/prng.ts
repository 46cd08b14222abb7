/**
 * A small seeded pseudo-random generator for the harnesses: reproducible from a printed seed, and
 * addressable, so that item k of a run (a fuzz frame, a crash point) can be regenerated on its own
 * from (seed, stream, k) without replaying the items before it.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state) seeded through
 * splitmix32 mixing of the three inputs. Not for cryptography.
 */

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for item `index` of stream `stream` of a run seeded with `seed`. */
  constructor(seed: number, stream = 0, index = 0) {
    const s = splitmix32(seed ^ splitmix32(stream * 0x632be5ab + 1) ^ splitmix32(index * 0x1b873593 + 7));
    this.a = splitmix32(s);
    this.b = splitmix32(this.a ^ 0x5bd1e995);
    this.c = splitmix32(this.b ^ 0x27d4eb2d);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One key of `weights`, chosen with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((n, [, w]) => n + w, 0);
    let x = this.float() * total;
    for (const [k, w] of entries) {
      if ((x -= w) < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** A fresh seed for a run that was given none (printed, so the run can be repeated). */
export function randomSeed(): number {
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}
