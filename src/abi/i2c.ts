/**
 * The I2C message descriptor, as user memory holds it for `i2c_transfer`.
 *
 *   0 u32 part   partition handle of the data buffer
 *   4 u32 off
 *   8 u32 len
 *  12 u8  flags  (bit 0: read)
 *  13 u8  addr   7-bit address; must lie in the device's claimed range
 *  14 u16 reserved, must be 0
 */
import { I2C_MSG_DESC_SIZE } from './syscalls';

export const I2C_MSG_READ = 0x01;

/**
 * One I2C message as drivers and backends describe it: the one shape of the HAL (`B` =
 * Uint8Array) and of the driver API (`B` = BusBuffer).
 */
export interface I2cMessage<B = Uint8Array> {
  /** 7-bit address. */
  readonly addr: number;
  readonly read: boolean;
  /** Written bytes for a write; filled with received bytes for a read. */
  readonly buf: B;
}

export interface I2cMsgDesc {
  part: number;
  off: number;
  len: number;
  flags: number;
  addr: number;
  reserved: number;
}

export function encodeI2cMsg(view: DataView, at: number, d: I2cMsgDesc): void {
  view.setUint32(at, d.part, true);
  view.setUint32(at + 4, d.off, true);
  view.setUint32(at + 8, d.len, true);
  view.setUint8(at + 12, d.flags);
  view.setUint8(at + 13, d.addr);
  view.setUint16(at + 14, d.reserved, true);
}

export function decodeI2cMsg(view: DataView, at: number): I2cMsgDesc {
  return {
    part: view.getUint32(at, true),
    off: view.getUint32(at + 4, true),
    len: view.getUint32(at + 8, true),
    flags: view.getUint8(at + 12),
    addr: view.getUint8(at + 13),
    reserved: view.getUint16(at + 14, true),
  };
}

export { I2C_MSG_DESC_SIZE };
