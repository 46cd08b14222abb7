/**
 * The user-thread configurations the suites compare side by side in one run: the synchronous
 * transport with its default polling window, the same with polling off (every syscall pays two
 * scheduler wake-ups), and the MessagePort transport; each confined (SES lockdown and a
 * Compartment, as every user program runs) and, for the two transports, unconfined (the program
 * with all of Node), so that the price of confinement is a ratio in one run.
 */
import type { TransportKind } from '../src/abi/boot-info';

export interface UserVariant {
  /** How rows name it. */
  readonly label: string;
  readonly transport: TransportKind;
  /** Undefined: the kernel's default. */
  readonly syscallSpinUs?: number;
  readonly confined: boolean;
}

export const USER_VARIANTS: readonly UserVariant[] = [
  { label: 'sync', transport: 'sync', confined: true },
  { label: 'sync, unconfined', transport: 'sync', confined: false },
  { label: 'sync, no spin', transport: 'sync', syscallSpinUs: 0, confined: true },
  { label: 'port', transport: 'port', confined: true },
  { label: 'port, unconfined', transport: 'port', confined: false },
];

/** Spawn options for a variant (thread names must not contain spaces or commas). */
export function spawnOptionsOf(v: UserVariant): { transport: TransportKind; syscallSpinUs?: number; confined: boolean } {
  return v.syscallSpinUs === undefined ? { transport: v.transport, confined: v.confined } : { transport: v.transport, syscallSpinUs: v.syscallSpinUs, confined: v.confined };
}

export function slug(v: UserVariant): string {
  return v.label.replace(/[^a-z]+/g, '-');
}
