/**
 * Gathers samples of many paths over several rounds. The suites run every path once per round,
 * in turn, so that a burst of load on this shared machine is spread over all paths instead of
 * landing on whichever one happened to be running; the rows are built from the union of rounds.
 */
import type { Group, Row } from './result';
import { percentiles, summarize } from './stats';

interface Entry {
  readonly group: Group;
  readonly name: string;
  readonly timing: Row['timing'];
  readonly parts: Float64Array[];
  ops: number;
  syscalls: number;
  transactions: number;
  bytesCopied: number | undefined;
  counted: 'syscalls' | 'transactions' | 'none';
}

export class Collector {
  private readonly entries = new Map<string, Entry>();

  /**
   * Adds one round of a path. `ops` (operations run, warm-up included) is the divisor for the
   * optional syscall or transaction count of that round.
   */
  add(group: Group, name: string, timing: Row['timing'], samples: Float64Array, count?: { ops: number; syscalls?: number; transactions?: number; bytesCopied?: number }): void {
    const key = `${name}|${timing}`;
    let e = this.entries.get(key);
    if (!e) {
      const counted = count?.syscalls !== undefined ? 'syscalls' : count?.transactions !== undefined ? 'transactions' : 'none';
      e = { group, name, timing, parts: [], ops: 0, syscalls: 0, transactions: 0, counted, bytesCopied: undefined };
      this.entries.set(key, e);
    }
    e.parts.push(samples);
    if (count) {
      e.ops += count.ops;
      e.syscalls += count.syscalls ?? 0;
      e.transactions += count.transactions ?? 0;
      if (count.bytesCopied !== undefined) e.bytesCopied = (e.bytesCopied ?? 0) + count.bytesCopied;
    }
  }

  rows(): Row[] {
    return [...this.entries.values()].map((e) => {
      const all = new Float64Array(e.parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of e.parts) {
        all.set(p, at);
        at += p.length;
      }
      const copied = e.bytesCopied === undefined ? {} : { bytesCopiedPerOp: e.bytesCopied / e.ops };
      const base: Row = { group: e.group, name: e.name, timing: e.timing, us: summarize(all), ...copied, ...(e.timing === 'per call' ? { percentiles: percentiles(all) } : {}) };
      if (e.counted === 'syscalls') return { ...base, syscallsPerOp: e.syscalls / e.ops };
      if (e.counted === 'transactions') return { ...base, transactionsPerOp: e.transactions / e.ops };
      return base;
    });
  }
}
