/**
 * A small board for kernel tests: two AT25 parts on one mock SPI bus, a driver thread serving
 * eeprom0, and fast write cycles. Booted from DTS text, so tests do not depend on dts/mock.dts.
 */
import { join } from 'node:path';
import { parseDts } from '../../src/devicetree';
import { Kernel, type BootOptions } from '../../src/kernel/kernel';
import { mockBoardDts } from './dts-board';

export const TEST_BOARD = mockBoardDts({
  model: 'kernel test board',
  gpioLines: 8,
  spi: {
    maxTransferBytes: 4096,
    parts: [
      { label: 'eeprom0', reg: 0, spiMaxHz: 5_000_000, size: 32768, pageSize: 64, addressWidth: 16, timeoutMs: 20, writeCycleUs: 200 },
      // WP and HOLD active low, as the AT25's pins are.
      { label: 'eeprom2', reg: 1, spiMaxHz: 2_000_000, size: 8192, pageSize: 32, addressWidth: 16, writeCycleUs: 200, wp: { line: 3, activeLow: true }, hold: { line: 4, activeLow: true } },
    ],
  },
  // No address-width: the size implies 16.
  i2c: { parts: [{ label: 'eeprom1', reg: 0x50, size: 32768, pageSize: 64, writeCycleUs: 200 }] },
  threads: [{ serves: 'eeprom0', restart: 'backoff' }],
});

export const HOSTILE = join(__dirname, '..', 'fixtures', 'programs', 'hostile.js');

export async function bootTestKernel(opts: Partial<BootOptions> = {}): Promise<Kernel> {
  return Kernel.boot({ tree: parseDts(TEST_BOARD, 'kernel-test-board.dts'), ...opts });
}

/** Collects the next `n` reports a thread sends. */
export function reports(k: Kernel, thread: string, n = 1): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    const on = (name: string, data: unknown): void => {
      if (name !== thread) return;
      got.push(data);
      if (got.length === n) {
        k.off('report', on);
        resolve(got);
      }
    };
    k.on('report', on);
  });
}
