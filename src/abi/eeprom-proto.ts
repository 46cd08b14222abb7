/**
 * The EEPROM service protocol: the messages a client sends to a driver thread's endpoint.
 *
 * Request: a 12-byte header (op u8, flags u8, blocks u8, wpen u8, offset u32 LE, length u32 LE)
 * and a payload (WRITE: the data; ERASE: the fill byte). Reply: READ the bytes, INFO and STATUS a
 * UTF-8 JSON object, the rest nothing; a failure has a negative status and "CODE\nmessage".
 */
import { HilError } from './errno';

export const EEPROM_OP = { INFO: 0, READ: 1, WRITE: 2, ERASE: 3, STATUS: 4, PROTECT: 5 } as const;
export type EepromOp = (typeof EEPROM_OP)[keyof typeof EEPROM_OP];

export const EEPROM_FLAG_VERIFY = 0x01;
export const EEPROM_HEADER = 12;
/** Most data bytes in one request or reply; clients split larger operations. */
export const EEPROM_MAX_CHUNK = 32 * 1024;

const BLOCKS = ['none', 'upper-quarter', 'upper-half', 'all'] as const;

export interface EepromRequest {
  readonly op: EepromOp;
  readonly flags: number;
  /** PROTECT: index into none/upper-quarter/upper-half/all. */
  readonly blocks: number;
  /** PROTECT: 0 off, 1 on, 2 unchanged. */
  readonly wpen: number;
  readonly offset: number;
  readonly length: number;
  readonly payload: Uint8Array;
}

export function encodeEepromRequest(r: Omit<EepromRequest, 'flags' | 'blocks' | 'wpen' | 'payload'> & Partial<EepromRequest>): Uint8Array {
  const payload = r.payload ?? new Uint8Array(0);
  const out = new Uint8Array(EEPROM_HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, r.op);
  dv.setUint8(1, r.flags ?? 0);
  dv.setUint8(2, r.blocks ?? 0);
  dv.setUint8(3, r.wpen ?? 2);
  dv.setUint32(4, r.offset, true);
  dv.setUint32(8, r.length, true);
  out.set(payload, EEPROM_HEADER);
  return out;
}

export function decodeEepromRequest(msg: Uint8Array): EepromRequest {
  if (msg.length < EEPROM_HEADER) throw new HilError('EINVAL', `EEPROM request of ${msg.length} bytes is shorter than its ${EEPROM_HEADER}-byte header`);
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const op = dv.getUint8(0);
  if (op > EEPROM_OP.PROTECT) throw new HilError('EINVAL', `unknown EEPROM operation ${op}`);
  return {
    op: op as EepromOp,
    flags: dv.getUint8(1),
    blocks: dv.getUint8(2),
    wpen: dv.getUint8(3),
    offset: dv.getUint32(4, true),
    length: dv.getUint32(8, true),
    payload: msg.subarray(EEPROM_HEADER),
  };
}

export function blocksName(i: number): (typeof BLOCKS)[number] {
  const b = BLOCKS[i];
  if (!b) throw new HilError('EINVAL', `protection blocks index ${i} is not 0..3`);
  return b;
}

export function blocksIndex(name: string): number {
  const i = (BLOCKS as readonly string[]).indexOf(name);
  if (i < 0) throw new HilError('EINVAL', `protection "${name}" is not one of ${BLOCKS.join(', ')}`);
  return i;
}
