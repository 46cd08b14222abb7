/**
 * A soak-test client (confined): calls one EEPROM driver thread through its endpoint, over and
 * over, with a mix of operations on a region of the chip that is its alone — write (verified by
 * the driver), read and compare with its own copy, erase a range, status — until the harness
 * raises the stop flag. Counts operations and errors in the shared partition `soak-ctl`:
 * word 0 is the stop flag; words 8 + 8·slot + (0 writes, 1 reads, 2 erases, 3 status, 4 errors).
 * With `crashAfterOps`, it throws after that many operations (the harness's churn thread, which
 * the fault policy restarts again and again).
 */
import { EEPROM_IFACE, WRITE_FLAGS } from '../../../src/abi/eeprom-iface';
import { connect } from '../../../src/user/ipc';
import type { UserRuntime } from '../../../src/user/runtime';

interface Args {
  readonly endpoint: string;
  readonly slot: number;
  readonly regionOffset: number;
  readonly regionLength: number;
  readonly seed: number;
  readonly crashAfterOps?: number;
}

export async function main(rt: UserRuntime): Promise<void> {
  const a = rt.args as Args;
  const ctl = new Int32Array(rt.memory.partition('soak-ctl').bytes.buffer);
  const base = 8 + 8 * a.slot;
  let x = a.seed >>> 0 || 1;
  const rand = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const ee = connect(rt, a.endpoint, EEPROM_IFACE);
  const { regionOffset: start, regionLength: size } = a;
  const buf = rt.memory.alloc(512);
  const mirror = new Uint8Array(size);
  await ee.read({ offset: start, length: size }, { data: mirror });
  let ops = 0;
  while (Atomics.load(ctl, 0) === 0) {
    if (a.crashAfterOps !== undefined && ops >= a.crashAfterOps) throw new Error('soak churn: planned crash');
    const off = rand(size);
    const len = 1 + rand(Math.min(512, size - off));
    const op = rand(10);
    try {
      if (op < 4) {
        for (let i = 0; i < len; i++) buf[i] = rand(256);
        const span = { spanOffset: start + off, spanLength: len };
        await ee.write({ offset: start + off, length: len, flags: WRITE_FLAGS.VERIFY, ...span }, { data: buf.subarray(0, len) });
        mirror.set(buf.subarray(0, len), off);
        Atomics.add(ctl, base, 1);
      } else if (op < 8) {
        await ee.read({ offset: start + off, length: len }, { data: buf.subarray(0, len) });
        for (let i = 0; i < len; i++) if (buf[i] !== mirror[off + i]) throw new Error(`read at ${start + off + i}: 0x${buf[i]!.toString(16)}, wrote 0x${mirror[off + i]!.toString(16)}`);
        Atomics.add(ctl, base + 1, 1);
      } else if (op === 8) {
        const fill = rand(256);
        await ee.erase({ offset: start + off, length: len, fill, flags: 0, spanOffset: start + off, spanLength: len }, {});
        mirror.fill(fill, off, off + len);
        Atomics.add(ctl, base + 2, 1);
      } else {
        await ee.status({}, {});
        Atomics.add(ctl, base + 3, 1);
      }
    } catch (e) {
      Atomics.add(ctl, base + 4, 1);
      await rt.log('error', `soak client ${rt.name}: ${e instanceof Error ? e.message : String(e)}`);
      // Resynchronise the copy: the chip is the truth.
      await ee.read({ offset: start, length: size }, { data: mirror });
    }
    ops++;
  }
}
