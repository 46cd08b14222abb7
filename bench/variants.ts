/**
 * The user-thread configurations the suites compare side by side in one run: the synchronous
 * transport with its default polling window, the same with polling off (every syscall pays two
 * scheduler wake-ups), and the MessagePort transport.
 */
import type { TransportKind } from '../src/abi/boot-info';

export interface UserVariant {
  /** How rows name it. */
  readonly label: string;
  readonly transport: TransportKind;
  /** Undefined: the kernel's default. */
  readonly syscallSpinUs?: number;
}

export const USER_VARIANTS: readonly UserVariant[] = [
  { label: 'sync', transport: 'sync' },
  { label: 'sync, no spin', transport: 'sync', syscallSpinUs: 0 },
  { label: 'port', transport: 'port' },
];

/** Spawn options for a variant (thread names must not contain spaces or commas). */
export function spawnOptionsOf(v: UserVariant): { transport: TransportKind; syscallSpinUs?: number } {
  return v.syscallSpinUs === undefined ? { transport: v.transport } : { transport: v.transport, syscallSpinUs: v.syscallSpinUs };
}

export function slug(v: UserVariant): string {
  return v.label.replace(/[^a-z]+/g, '-');
}
