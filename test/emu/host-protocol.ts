/**
 * Messages between the test process (remote.ts) and the backend host child (backend-host.ts).
 * Sent over Node's IPC channel with `serialization: 'advanced'`, so Uint8Arrays survive.
 */
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
}
