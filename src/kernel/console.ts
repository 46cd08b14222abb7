/**
 * The console of user programs: `report` (a JSON value for tests and benchmarks) and `log` (a
 * line of console output), both syscalls. They are counted like every syscall, checked (size
 * by the verifier, UTF-8 and JSON here) and rate-limited per thread with token buckets, so a
 * flood costs the kernel a bounded amount of work: over the limit a message is dropped,
 * counted, and the call returns -EAGAIN.
 */
import { ERRNO } from '../abi/errno';
import type { UserThread } from './thread';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface ConsoleSink {
  report(thread: string, data: unknown): void;
  log(thread: string, level: LogLevel, text: string): void;
}

export interface ConsoleLimits {
  /** Messages per second, sustained, and the burst allowed above it. */
  readonly messagesPerSec: number;
  readonly messageBurst: number;
  /** Bytes per second, sustained, and the burst. */
  readonly bytesPerSec: number;
  readonly byteBurst: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = { messagesPerSec: 500, messageBurst: 1000, bytesPerSec: 1 << 20, byteBurst: 4 << 20 };

class Bucket {
  private msgs: number;
  private bytes: number;
  private at = performance.now();
  constructor(private readonly l: ConsoleLimits) {
    this.msgs = l.messageBurst;
    this.bytes = l.byteBurst;
  }
  take(n: number): boolean {
    const now = performance.now();
    const dt = (now - this.at) / 1000;
    this.at = now;
    this.msgs = Math.min(this.l.messageBurst, this.msgs + dt * this.l.messagesPerSec);
    this.bytes = Math.min(this.l.byteBurst, this.bytes + dt * this.l.bytesPerSec);
    if (this.msgs < 1 || this.bytes < n) return false;
    this.msgs -= 1;
    this.bytes -= n;
    return true;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class ProgramConsole {
  private readonly buckets = new WeakMap<UserThread, Bucket>();

  constructor(
    private readonly sink: ConsoleSink,
    private readonly limits: ConsoleLimits = DEFAULT_CONSOLE_LIMITS,
  ) {}

  /** 0, -EAGAIN (rate limit) or -EINVAL (not UTF-8 JSON). */
  report(t: UserThread, bytes: Uint8Array): number {
    if (!this.admit(t, bytes.length)) return -ERRNO.EAGAIN;
    let data: unknown;
    try {
      data = JSON.parse(decoder.decode(bytes));
    } catch {
      return -ERRNO.EINVAL;
    }
    this.sink.report(t.name, data);
    return 0;
  }

  /** 0, -EAGAIN (rate limit) or -EINVAL (not UTF-8). */
  log(t: UserThread, level: number, bytes: Uint8Array): number {
    if (!this.admit(t, bytes.length)) return -ERRNO.EAGAIN;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return -ERRNO.EINVAL;
    }
    this.sink.log(t.name, LOG_LEVELS[level] ?? 'info', text);
    return 0;
  }

  private admit(t: UserThread, n: number): boolean {
    let b = this.buckets.get(t);
    if (!b) this.buckets.set(t, (b = new Bucket(this.limits)));
    if (b.take(n)) return true;
    t.counters.dropped++;
    return false;
  }
}
