/**
 * What the syscall fuzzer's two halves share: the table of kernel objects a hostile thread may
 * name (handed to it at spawn by the harness, which reads it from the booted kernel), the
 * arguments of the hostile program, and the flight recorder both halves read and write.
 *
 * The flight recorder is a SharedArrayBuffer passed in the program's arguments (trusted test
 * instrumentation: it is not a partition, so the hostile thread cannot name it in a syscall and
 * the kernel never writes it). Before each frame the hostile thread writes the frame's index and
 * the outcome its oracle expects; when the kernel faults the thread, the harness reads the
 * recorder in its fault listener and checks the fault against that expectation. The next
 * incarnation (the fault policy restarts the thread) resumes after the faulted frame.
 */
import type { ObjectType } from '../../../src/abi/syscalls';

/** A kernel object the hostile thread knows by handle. */
export interface KnownObject {
  readonly handle: number;
  readonly type: ObjectType;
  readonly name: string;
  /** Granted to the hostile thread (devices, lines, endpoints it may call). */
  readonly granted: boolean;
  /** For partitions: size, and whether it is in the hostile thread's memory domain. */
  readonly size?: number | undefined;
  readonly inDomain?: boolean | undefined;
}

/** The hostile thread's own bus devices and endpoints, with what the oracle needs of each. */
export interface FuzzTargets {
  readonly spi: { readonly handle: number; readonly maxSpeedHz: number; readonly maxTransferBytes: number };
  readonly i2c: { readonly handle: number; readonly address: number; readonly count: number; readonly maxTransferBytes: number };
  readonly gpio: number;
  /** Served by a thread that the fault policy restarts. */
  readonly victim: number;
  /** Served by a thread that is never restarted once it dies. */
  readonly mortal: number;
  /** The named partition shared into the hostile's domain besides its private one. */
  readonly shared: { readonly handle: number; readonly size: number };
}

export interface FuzzArgs {
  readonly seed: number;
  /** 0 for the sync-transport hostile, 1 for the port one: separate PRNG streams. */
  readonly stream: number;
  readonly frames: number;
  readonly objects: readonly KnownObject[];
  readonly targets: FuzzTargets;
  readonly recorder: SharedArrayBuffer;
  /** Largest message the victim and mortal servers receive (their receive buffer). */
  readonly serverMaxMsg: number;
}

/** Int32 words of the recorder. */
export const REC = {
  /** Next frame to run (the frame after the last one that completed or faulted). */
  NEXT: 0,
  /** Frame in flight, or -1. */
  INFLIGHT: 1,
  /** What the frame in flight should do: see EXPECT_KIND. */
  EXPECT: 2,
  /** Errno number of the expected fault. */
  CODE: 3,
  /** 1 once the mortal server has died. */
  MORTAL_DEAD: 4,
  /** Incarnations of the hostile thread that started. */
  STARTS: 5,
  /** Frames whose outcome matched the oracle (counted by the thread), by class (OUTCOME). */
  OUTCOMES: 8,
  /** Frames whose outcome did not match (the thread's count; details in the text area). */
  MISMATCHES: 20,
  /** Lease handles a server handed back (dead once the call ended): count, then handles. */
  STALE_COUNT: 24,
  STALE: 25,
  /** obj_list's JSON length for this thread, learned once (0: not yet). */
  OBJLIST_LEN: 60,
  /** Byte offset and size of the text area (UTF-8 JSON lines of mismatch details). */
  TEXT_LEN: 61,
} as const;

export const STALE_MAX = 32;
export const TEXT_OFFSET = 4096;
export const TEXT_BYTES = 60 * 1024;
export const RECORDER_BYTES = TEXT_OFFSET + TEXT_BYTES;

export const EXPECT_KIND = { NONE: 0, FAULT: 1, VALUE: 2, ANY: 3 } as const;

/** Outcome classes counted in the recorder (OUTCOMES + index). */
export const OUTCOME = { OK: 0, EPERM: 1, REFUSED: 2, FAULT: 3, ANY: 4, GARBAGE: 5, IPC: 6 } as const;
export const OUTCOME_NAMES = ['ok', 'eperm', 'refused', 'fault', 'unpredictable', 'garbage', 'ipc'] as const;

export function newRecorder(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(RECORDER_BYTES);
  const w = new Int32Array(sab);
  w[REC.INFLIGHT] = -1;
  return sab;
}

/** The victim and mortal servers' protocol (programs/fuzz-server.ts): op byte, argument, payload. */
export const SERVER_OP = { ECHO: 0, CRASH: 1, STATUS: 2, READ_LEASES: 3, FILL_LEASES: 4, LEASE_HANDLES: 5 } as const;
/** The servers' reply buffer: longer replies are cut to it. */
export const SERVER_MAX_REPLY = 4096;

/** Bytes at the end of the hostile thread's private partition kept for its marker transfers. */
export const MARKER_AREA = 256;

/** A 4-byte tag the hostile thread puts at the start of transfers it sends after its own fault. */
export const MARKER = [0xfa, 0x17, 0xaf, 0x7e] as const;

/** The frame index a marker transfer carries after the tag, or undefined when `tx` is no marker. */
export function markerFrame(tx: Uint8Array): number | undefined {
  if (tx.length < 8 || MARKER.some((b, i) => tx[i] !== b)) return undefined;
  return new DataView(tx.buffer, tx.byteOffset, tx.byteLength).getUint32(4, true);
}

/** Reads the mismatch lines the thread wrote. */
export function recorderText(sab: SharedArrayBuffer): string[] {
  const w = new Int32Array(sab);
  const len = Atomics.load(w, REC.TEXT_LEN);
  const text = Buffer.from(new Uint8Array(sab, TEXT_OFFSET, Math.min(len, TEXT_BYTES))).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0);
}

/** Appends one line to the text area (dropped when it is full). */
export function recorderAppend(sab: SharedArrayBuffer, line: string): void {
  const w = new Int32Array(sab);
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  const at = Atomics.load(w, REC.TEXT_LEN);
  if (at + bytes.length > TEXT_BYTES) return;
  new Uint8Array(sab, TEXT_OFFSET + at, bytes.length).set(bytes);
  Atomics.store(w, REC.TEXT_LEN, at + bytes.length);
}
