/**
 * The pure serprog protocol module: frame encoding, answer decoding, the sync-pair scanner and the
 * half-duplex planner that decides which SPI transactions a serprog programmer can run.
 */
import { HilError } from '../../../src/abi/errno';
import { ACK, CMD, cmdmapHas, decodeMaxLen, decodeName, encodeSpiOp, findSyncPair, NAK, planSpiOps } from '../../../src/hal/serprog/protocol';

const limits = { maxWrite: 64, maxRead: 1024 };

test('O_SPIOP frames carry 24-bit little-endian lengths then the data', () => {
  expect(Array.from(encodeSpiOp(Uint8Array.of(0x03, 0x12, 0x34), 0x010203))).toEqual([CMD.O_SPIOP, 3, 0, 0, 0x03, 0x02, 0x01, 0x03, 0x12, 0x34]);
});

test('answers decode: 24-bit max lengths (0 = 2^24), command map bits, NUL-padded names', () => {
  expect(decodeMaxLen(Uint8Array.of(0, 1, 0))).toBe(256);
  expect(decodeMaxLen(Uint8Array.of(0, 0, 0))).toBe(1 << 24);
  const map = new Uint8Array(32);
  map[CMD.O_SPIOP >> 3] = 1 << (CMD.O_SPIOP & 7);
  expect(cmdmapHas(map, CMD.O_SPIOP)).toBe(true);
  expect(cmdmapHas(map, CMD.S_SPI_CS)).toBe(false);
  expect(decodeName(Uint8Array.from([...Buffer.from('pico-serprog'), 0, 0, 0, 0]))).toBe('pico-serprog');
});

test('the sync pair is found anywhere in noise', () => {
  expect(findSyncPair(Uint8Array.of(ACK, 0x42, NAK, ACK, ACK))).toBe(4);
  expect(findSyncPair(Uint8Array.of(ACK, NAK, NAK))).toBe(-1);
});

test('a command and its answer in one chip-select period become one O_SPIOP', () => {
  const rx = new Uint8Array(16);
  const plans = planSpiOps([{ tx: Uint8Array.of(3, 0, 0x10), len: 3 }, { rx, len: 16 }], limits);
  expect(plans).toHaveLength(1);
  expect(Array.from(plans[0]!.write)).toEqual([3, 0, 0x10]);
  expect(plans[0]!.readLen).toBe(16);
  expect(plans[0]!.reads).toEqual([{ xfer: 1, len: 16 }]);
});

test('csChange ends an O_SPIOP; the slowest requested clock and the final delay are kept', () => {
  const plans = planSpiOps(
    [
      { tx: Uint8Array.of(6), len: 1, csChange: true, speedHz: 1e6 },
      { tx: Uint8Array.of(2, 0, 0), len: 3, speedHz: 2e6 },
      { tx: Uint8Array.of(1, 2), len: 2, speedHz: 500e3, delayUs: 100 },
    ],
    limits,
  );
  expect(plans.map((p) => Array.from(p.write))).toEqual([[6], [2, 0, 0, 1, 2]]);
  expect(plans.map((p) => p.speedHz)).toEqual([1e6, 500e3]);
  expect(plans[1]!.delayAfterUs).toBe(100);
});

test('what half duplex cannot express is ENOTSUP with the reason', () => {
  const full = (): unknown => planSpiOps([{ tx: Uint8Array.of(5, 0), rx: new Uint8Array(2), len: 2 }], limits);
  expect(full).toThrow(HilError);
  expect(full).toThrow(/half duplex/);
  expect(() => planSpiOps([{ rx: new Uint8Array(1), len: 1 }, { tx: Uint8Array.of(1), len: 1 }], limits)).toThrow(/sends after a read/);
  expect(() => planSpiOps([{ tx: Uint8Array.of(1), len: 1, delayUs: 5 }, { rx: new Uint8Array(1), len: 1 }], limits)).toThrow(/delay/);
  expect(() => planSpiOps([{ tx: Uint8Array.of(1), len: 1, bitsPerWord: 9 }], limits)).toThrow(/9-bit/);
  try {
    full();
  } catch (e) {
    expect((e as HilError).code).toBe('ENOTSUP');
  }
});

test('phases beyond the programmer limits are EMSGSIZE', () => {
  expect(() => planSpiOps([{ tx: new Uint8Array(65), len: 65 }], limits)).toThrow(/Q_WRNMAXLEN/);
  expect(() => planSpiOps([{ tx: Uint8Array.of(3), len: 1 }, { rx: new Uint8Array(1025), len: 1025 }], limits)).toThrow(/Q_RDNMAXLEN/);
});

test('a transfer with neither tx nor rx clocks zeros while writing, is dropped while reading', () => {
  const rx = new Uint8Array(2);
  const plans = planSpiOps([{ tx: Uint8Array.of(0xab), len: 1 }, { len: 2 }, { rx, len: 2 }, { len: 1 }], limits);
  expect(Array.from(plans[0]!.write)).toEqual([0xab, 0, 0]);
  expect(plans[0]!.reads).toEqual([{ xfer: 2, len: 2 }, { xfer: 3, len: 1 }]);
});
