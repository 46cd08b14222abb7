/**
 * The SPI transfer descriptor, as user memory holds it for `spi_transceive`.
 *
 * Modelled on spidev's 32-byte `struct spi_ioc_transfer`, but buffers are named by partition
 * handle and offset instead of by pointer. The kernel copies the descriptors out of the caller's
 * partition before it checks them, so a thread cannot change them between check and use.
 *
 *   0 u32 tx_part  (0: no transmit buffer, zeros are shifted out)
 *   4 u32 tx_off
 *   8 u32 rx_part  (0: received bytes are discarded)
 *  12 u32 rx_off
 *  16 u32 len
 *  20 u32 speed_hz (0: the device's default)
 *  24 u16 delay_usecs (after the transfer, before chip select changes)
 *  26 u8  bits_per_word (0: 8)
 *  27 u8  cs_change (deselect after this transfer)
 *  28 u32 reserved, must be 0
 */
import { SPI_XFER_DESC_SIZE } from './syscalls';

/**
 * One SPI transfer as drivers and backends describe it (spidev's semantics): the one shape of
 * the HAL (`B` = Uint8Array) and of the driver API (`B` = BusBuffer: a driver's own bytes, or a
 * window of a buffer a client lent it).
 */
export interface SpiTransfer<B = Uint8Array> {
  /** Bytes shifted out; when absent zeros are shifted out. */
  readonly tx?: B | undefined;
  /** Bytes shifted in are written here; when absent they are discarded. */
  readonly rx?: B | undefined;
  readonly len: number;
  /** Clock for this transfer; 0 or absent means the device's configured speed. */
  readonly speedHz?: number | undefined;
  /** Delay after the transfer before chip select changes or the next transfer starts. */
  readonly delayUs?: number | undefined;
  readonly bitsPerWord?: number | undefined;
  /** Deselect after this transfer (spidev's cs_change). */
  readonly csChange?: boolean | undefined;
}

export interface SpiXferDesc {
  txPart: number;
  txOff: number;
  rxPart: number;
  rxOff: number;
  len: number;
  speedHz: number;
  delayUs: number;
  bitsPerWord: number;
  csChange: boolean;
  reserved: number;
}

export function encodeSpiXfer(view: DataView, at: number, d: SpiXferDesc): void {
  view.setUint32(at + 0, d.txPart, true);
  view.setUint32(at + 4, d.txOff, true);
  view.setUint32(at + 8, d.rxPart, true);
  view.setUint32(at + 12, d.rxOff, true);
  view.setUint32(at + 16, d.len, true);
  view.setUint32(at + 20, d.speedHz, true);
  view.setUint16(at + 24, d.delayUs, true);
  view.setUint8(at + 26, d.bitsPerWord);
  view.setUint8(at + 27, d.csChange ? 1 : 0);
  view.setUint32(at + 28, d.reserved, true);
}

export function decodeSpiXfer(view: DataView, at: number): SpiXferDesc {
  return {
    txPart: view.getUint32(at + 0, true),
    txOff: view.getUint32(at + 4, true),
    rxPart: view.getUint32(at + 8, true),
    rxOff: view.getUint32(at + 12, true),
    len: view.getUint32(at + 16, true),
    speedHz: view.getUint32(at + 20, true),
    delayUs: view.getUint16(at + 24, true),
    bitsPerWord: view.getUint8(at + 26),
    csChange: view.getUint8(at + 27) !== 0,
    reserved: view.getUint32(at + 28, true),
  };
}

export { SPI_XFER_DESC_SIZE };
