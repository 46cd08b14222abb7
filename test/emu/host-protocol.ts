/**
 * Messages between the test process (remote.ts) and the backend host child (backend-host.ts).
 * Sent over Node's IPC channel with `serialization: 'advanced'`, so Uint8Arrays survive.
 */
import type { GpioLineConfig, GpioLineRequest } from '../../src/hal/gpio';
import type { GpioChipEntry, LineInfo } from '../../src/hal/gpiochip';

export interface HostXfer {
  readonly tx?: Uint8Array | undefined;
  /** When set, the host reads this many bytes into a fresh buffer and returns it. */
  readonly rxLen?: number | undefined;
  readonly len: number;
  readonly speedHz?: number | undefined;
  readonly delayUs?: number | undefined;
  readonly bitsPerWord?: number | undefined;
  readonly csChange?: boolean | undefined;
}

export type HostRequest = { readonly id: number } & (
  | { readonly op: 'spi.controller'; readonly bus: number; readonly bufsizPath?: string | undefined }
  | { readonly op: 'spi.open'; readonly handle: number; readonly opts: unknown }
  | { readonly op: 'spi.transfer'; readonly handle: number; readonly xfers: readonly HostXfer[] }
  | { readonly op: 'spi.readOptions'; readonly handle: number }
  | { readonly op: 'i2c.controller'; readonly bus: number }
  | { readonly op: 'i2c.transfer'; readonly handle: number; readonly msgs: readonly { addr: number; read: boolean; buf: Uint8Array }[] }
  | { readonly op: 'gpio.list'; readonly devDir?: string | undefined }
  | { readonly op: 'gpio.open'; readonly chip: string | readonly string[]; readonly devDir?: string | undefined; readonly consumer?: string | undefined }
  | { readonly op: 'gpio.lineInfo'; readonly handle: number; readonly line: number }
  | { readonly op: 'gpio.request'; readonly handle: number; readonly line: number; readonly req: GpioLineRequest }
  | { readonly op: 'gpio.lineGet'; readonly handle: number; readonly line: number }
  | { readonly op: 'gpio.lineSet'; readonly handle: number; readonly line: number; readonly level: 0 | 1 }
  | { readonly op: 'gpio.get'; readonly handle: number }
  | { readonly op: 'gpio.set'; readonly handle: number; readonly level: 0 | 1 }
  | { readonly op: 'gpio.reconfigure'; readonly handle: number; readonly config: GpioLineConfig }
  | { readonly op: 'sys.open'; readonly path: string }
  | { readonly op: 'sys.ioctl'; readonly fd: number; readonly request: number; readonly arg: Uint8Array }
  | { readonly op: 'sys.close'; readonly fd: number }
  | { readonly op: 'fs.close'; readonly fd: number }
  | { readonly op: 'fs.open'; readonly path: string }
  | { readonly op: 'fs.readdir'; readonly dir: string }
  | { readonly op: 'fs.i2cFdReuse'; readonly bus: number; readonly addr: number; readonly file: string; readonly data: Uint8Array }
  | { readonly op: 'close'; readonly handle: number }
);

export interface HostReply {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: { code: string; message: string };
  readonly handle?: number;
  readonly name?: string;
  readonly maxTransferBytes?: number;
  readonly repeatedStart?: boolean;
  readonly rx?: (Uint8Array | null)[];
  readonly bufs?: Uint8Array[];
  readonly options?: { mode: number; lsbFirst: boolean; bitsPerWord: number; maxSpeedHz: number };
  readonly chips?: GpioChipEntry[];
  readonly chip?: { readonly name: string; readonly path: string; readonly label: string; readonly chipName: string; readonly lineCount: number };
  readonly info?: LineInfo;
  readonly level?: 0 | 1;
  readonly direction?: 'input' | 'output';
  readonly names?: string[];
  /** fs.open and sys.*: the error code, or undefined when the call succeeded. */
  readonly code?: string;
  /** sys.open: the descriptor. */
  readonly fd?: number;
  /** sys.ioctl: the argument structure as the call left it. */
  readonly arg?: Uint8Array;
  /** fs.i2cFdReuse: the descriptor number i2c-bus used and that the file got again. */
  readonly fds?: { readonly device: number; readonly file: number; readonly opened: number };
}
