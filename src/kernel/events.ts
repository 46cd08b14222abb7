/**
 * The kernel's event log: faults, denials, restarts, exits, errors and boot warnings, newest last,
 * bounded (the oldest are dropped), each also announced to listeners as it happens.
 */

export interface KernelEvent {
  readonly at: number;
  readonly kind: 'fault' | 'denied' | 'restart' | 'exit' | 'error' | 'warning';
  readonly thread: string;
  readonly message: string;
}

export class EventLog {
  readonly events: KernelEvent[] = [];

  constructor(
    private readonly announce: (ev: KernelEvent) => void,
    private readonly capacity = 500,
  ) {}

  record(kind: KernelEvent['kind'], thread: string, message: string): void {
    const ev: KernelEvent = { at: Date.now(), kind, thread, message };
    this.events.push(ev);
    if (this.events.length > this.capacity) this.events.shift();
    this.announce(ev);
  }
}
