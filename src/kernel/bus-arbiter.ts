/**
 * One lock per physical bus: transactions are atomic with respect to other threads, and a thread
 * may hold the bus across several transactions with an explicit, time-bounded lock.
 *
 * FIFO, so no thread can starve another by issuing back-to-back transactions. An explicit lock
 * that outlives its timeout calls `onExpire` (the kernel faults the holder) and is released.
 */
import { HilError } from '../abi/errno';

interface Waiter {
  readonly owner: string;
  readonly resolve: () => void;
  readonly reject: (e: HilError) => void;
}

export class BusArbiter {
  private owner: string | undefined;
  private explicit = false;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Waiter[] = [];
  /** Transactions completed, for counters. */
  transactions = 0;

  constructor(readonly name: string) {}

  get holder(): string | undefined {
    return this.owner;
  }

  get lockedExplicitly(): boolean {
    return this.explicit;
  }

  /** Runs one transaction with the bus held (unless `owner` already holds it explicitly). */
  async run<T>(owner: string, fn: () => Promise<T>): Promise<T> {
    if (!(this.explicit && this.owner === owner)) await this.acquire(owner);
    this.busy = true;
    try {
      const r = await fn();
      this.transactions++;
      return r;
    } finally {
      this.busy = false;
      if (!(this.explicit && this.owner === owner)) this.release(owner);
    }
  }

  async lock(owner: string, timeoutMs: number, onExpire: () => void): Promise<void> {
    if (this.owner === owner && this.explicit) throw new HilError('EDEADLK', `${owner} already holds ${this.name}`);
    await this.acquire(owner);
    this.explicit = true;
    this.timer = setTimeout(() => {
      if (this.owner === owner && this.explicit) {
        this.dropExplicit(owner);
        onExpire();
      }
    }, timeoutMs);
  }

  unlock(owner: string): void {
    if (this.owner !== owner || !this.explicit) throw new HilError('EINVAL', `${owner} does not hold ${this.name}`);
    this.dropExplicit(owner);
  }

  /** Drops everything `owner` holds or waits for (a faulted or exiting thread). */
  releaseAll(owner: string, reason: HilError): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const w = this.queue[i]!;
      if (w.owner === owner) {
        this.queue.splice(i, 1);
        w.reject(reason);
      }
    }
    if (this.owner === owner) this.dropExplicit(owner);
  }

  /** Ends an explicit hold; a transaction still on the wire releases the bus when it finishes. */
  private dropExplicit(owner: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.explicit = false;
    if (!this.busy) this.release(owner);
  }

  private acquire(owner: string): Promise<void> {
    if (this.owner === undefined) {
      this.owner = owner;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.queue.push({ owner, resolve, reject }));
  }

  private release(owner: string): void {
    if (this.owner !== owner) return;
    const next = this.queue.shift();
    this.owner = next?.owner;
    next?.resolve();
  }
}
