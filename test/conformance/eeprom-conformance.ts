/**
 * The EEPROM API conformance suite, in the spirit of Zephyr's tests/drivers/eeprom/api: one set of
 * behaviours every backend must show for every part it supports (mock models here; spidev,
 * i2c-dev and serprog backends reuse it with their own factory).
 *
 * Usage, inside a Jest test file:
 *   runEepromConformance('mock', (part, { readOnly }) => makeMyDevice(part, readOnly), { parts: AT25_PARTS });
 *
 * The factory returns a fresh, erased device for each test. `memory` (the chip's array, when the
 * backend can see it) and `transactions` (a bus transaction counter) make the "nothing was sent"
 * and "neighbours untouched" checks stronger; without them those checks go through the API only.
 */
import { HilError, type ErrnoCode } from '../../src/abi/errno';
import type { Eeprom } from '../../src/userdrivers/eeprom';
import { EEPROM_PARTS, type EepromPart } from '../../src/devicetree/parts';

export interface ConformanceDevice {
  readonly eeprom: Eeprom;
  /** The simulated chip's array, when the backend has one. */
  readonly memory?: Uint8Array;
  /** Bus transactions run so far, when the backend counts them. */
  transactions?(): number;
  close(): Promise<void>;
}

export type MakeConformanceDevice = (part: EepromPart, opts: { readonly readOnly: boolean }) => Promise<ConformanceDevice>;

export interface ConformanceOptions {
  /** Parts to run (default: every part in the parts table). */
  readonly parts?: readonly EepromPart[];
}

/** Deterministic non-trivial bytes (never all 0xff, differs between calls with different seeds). */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function expectCode(p: Promise<unknown>, code: ErrnoCode): Promise<HilError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe(code);
  return err as HilError;
}

export function runEepromConformance(name: string, makeDevice: MakeConformanceDevice, opts: ConformanceOptions = {}): void {
  for (const part of opts.parts ?? EEPROM_PARTS) {
    describe(`${name}: ${part.name} (${part.size} bytes, page ${part.pageSize})`, () => {
      let dev: ConformanceDevice;
      let e: Eeprom;
      const open = async (readOnly = false): Promise<void> => {
        dev = await makeDevice(part, { readOnly });
        e = dev.eeprom;
      };
      afterEach(async () => {
        await dev?.close();
      });
      const sent = (): number => dev.transactions?.() ?? 0;

      test('reports the part geometry', async () => {
        await open();
        expect(e.size()).toBe(part.size);
        expect(e.pageSize()).toBe(part.pageSize);
      });

      test('writes and reads back at the start of the array', async () => {
        await open();
        const data = pattern(part.pageSize + 3, 1);
        await e.write(0, data);
        expect(await e.read(0, data.length)).toEqual(data);
        expect(await e.read(data.length, 1)).toEqual(Uint8Array.of(0xff));
        if (dev.memory) expect(dev.memory.subarray(0, data.length)).toEqual(data);
      });

      test('writes and reads back at the end of the array', async () => {
        await open();
        const data = pattern(5, 2);
        await e.write(part.size - 5, data);
        expect(await e.read(part.size - 5, 5)).toEqual(data);
        expect(await e.read(part.size - 6, 1)).toEqual(Uint8Array.of(0xff));
        const last = pattern(1, 3);
        await e.write(part.size - 1, last);
        expect(await e.read(part.size - 1, 1)).toEqual(last);
        // the start of the array is untouched (no wrap-around write)
        expect(await e.read(0, 8)).toEqual(new Uint8Array(8).fill(0xff));
      });

      test('writes across page boundaries without wrapping inside a page', async () => {
        await open();
        const offset = part.pageSize - 3;
        const data = pattern(2 * part.pageSize + 6, 4);
        await e.write(offset, data);
        const around = await e.read(offset - 2, data.length + 4);
        expect(around.subarray(0, 2)).toEqual(Uint8Array.of(0xff, 0xff));
        expect(around.subarray(2, 2 + data.length)).toEqual(data);
        expect(around.subarray(2 + data.length)).toEqual(Uint8Array.of(0xff, 0xff));
      });

      test('reads the whole array in one call', async () => {
        await open();
        const data = pattern(part.size, 5);
        await e.write(0, data, { verify: false });
        expect(await e.read(0, part.size)).toEqual(data);
      });

      test('rejects out-of-bounds and malformed ranges with EINVAL before any bus traffic', async () => {
        await open();
        const before = sent();
        await expectCode(e.read(part.size, 1), 'EINVAL');
        await expectCode(e.read(part.size - 1, 2), 'EINVAL');
        await expectCode(e.read(-1, 1), 'EINVAL');
        await expectCode(e.read(0.5, 1), 'EINVAL');
        await expectCode(e.read(0, -1), 'EINVAL');
        await expectCode(e.read(Number.NaN, 1), 'EINVAL');
        await expectCode(e.write(part.size, Uint8Array.of(1)), 'EINVAL');
        await expectCode(e.write(part.size - 1, Uint8Array.of(1, 2)), 'EINVAL');
        await expectCode(e.write(-1, Uint8Array.of(1)), 'EINVAL');
        await expectCode(e.erase(0, part.size + 1), 'EINVAL');
        await expectCode(e.erase(part.size + 1), 'EINVAL');
        await expectCode(e.erase(0, 1, 256), 'EINVAL');
        expect(sent()).toBe(before);
        if (dev.memory) expect(dev.memory.every((b) => b === 0xff)).toBe(true);
      });

      test('zero-length reads and writes are no-ops, also at the very end', async () => {
        await open();
        const before = sent();
        expect(await e.read(0, 0)).toEqual(new Uint8Array(0));
        expect(await e.read(part.size, 0)).toEqual(new Uint8Array(0));
        await e.write(0, new Uint8Array(0));
        await e.write(part.size, new Uint8Array(0));
        await e.erase(part.size, 0);
        expect(sent()).toBe(before);
      });

      test('write with verify succeeds and reports progress page by page', async () => {
        await open();
        const data = pattern(3 * part.pageSize, 6);
        const progress: number[] = [];
        await e.write(part.pageSize, data, { verify: true, onProgress: (p) => progress.push(p.done) });
        // at least one report per page, each step at most a page, ending at the total
        expect(progress.length).toBeGreaterThanOrEqual(3);
        progress.forEach((done, i) => expect(done - (progress[i - 1] ?? 0)).toBeGreaterThan(0));
        progress.forEach((done, i) => expect(done - (progress[i - 1] ?? 0)).toBeLessThanOrEqual(part.pageSize));
        expect(progress[progress.length - 1]).toBe(data.length);
        expect(await e.read(part.pageSize, data.length)).toEqual(data);
      });

      test('an aborted write stops after the page in flight with ECANCELED', async () => {
        await open();
        const ac = new AbortController();
        const data = pattern(3 * part.pageSize, 7);
        const err = await expectCode(
          e.write(0, data, {
            signal: ac.signal,
            onProgress: (p) => {
              if (p.done >= part.pageSize) ac.abort();
            },
          }),
          'ECANCELED',
        );
        expect(err.message).toMatch(/after \d+ of \d+ bytes/);
        const back = await e.read(0, data.length);
        expect(back.subarray(0, part.pageSize)).toEqual(data.subarray(0, part.pageSize));
        expect(back.subarray(part.pageSize).every((b) => b === 0xff)).toBe(true);
      });

      test('erase fills a range, and the whole array by default', async () => {
        await open();
        await e.write(0, pattern(2 * part.pageSize, 8));
        await e.erase(3, part.pageSize, 0xa5);
        const back = await e.read(3, part.pageSize);
        expect(back.every((b) => b === 0xa5)).toBe(true);
        await e.erase();
        expect((await e.read(0, part.size)).every((b) => b === 0xff)).toBe(true);
      });

      if (part.kind === 'at25') {
        test('block protection: writes to protected blocks fail with EROFS and change nothing', async () => {
          await open();
          await e.setProtection({ blocks: 'upper-quarter' });
          expect((await e.status()).blocks).toBe('upper-quarter');
          const q = part.size - part.size / 4;
          await expectCode(e.write(q, Uint8Array.of(1)), 'EROFS');
          await expectCode(e.write(q - 1, Uint8Array.of(1, 2)), 'EROFS');
          expect(await e.read(q - 1, 2)).toEqual(Uint8Array.of(0xff, 0xff));
          await e.write(q - 1, Uint8Array.of(7)); // just below the protected quarter
          await e.setProtection({ blocks: 'upper-half' });
          await expectCode(e.write(part.size / 2, Uint8Array.of(1)), 'EROFS');
          await e.setProtection({ blocks: 'all' });
          await expectCode(e.write(0, Uint8Array.of(1)), 'EROFS');
          expect((await e.status()).blocks).toBe('all');
          await e.setProtection({ blocks: 'none' });
          await e.write(part.size - 1, Uint8Array.of(9));
          expect(await e.read(q - 1, 1)).toEqual(Uint8Array.of(7));
          expect(await e.read(part.size - 1, 1)).toEqual(Uint8Array.of(9));
          const st = await e.status();
          expect(st).toMatchObject({ busy: false, wel: false, blocks: 'none', wpen: false });
        });
        test('setProtection rejects unknown block names with EINVAL', async () => {
          await open();
          await expectCode(e.setProtection({ blocks: 'lower-half' as never }), 'EINVAL');
        });
      } else {
        test('protection: AT24 has no block protection (ENOTSUP) and reports none', async () => {
          await open();
          await expectCode(e.setProtection({ blocks: 'upper-half' }), 'ENOTSUP');
          expect(await e.status()).toMatchObject({ busy: false, blocks: 'none' });
        });
      }

      test('a read-only part refuses writes and erases with EROFS and sends nothing', async () => {
        await open(true);
        const before = sent();
        await expectCode(e.write(0, Uint8Array.of(1)), 'EROFS');
        await expectCode(e.erase(), 'EROFS');
        expect(sent()).toBe(before);
        expect(await e.read(0, 4)).toEqual(new Uint8Array(4).fill(0xff));
      });
    });
  }
}
