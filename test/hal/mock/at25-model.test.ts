/**
 * AT25 model against the datasheet, byte by byte: every command is clocked through the model
 * with explicit chip-select edges, and the clock is advanced by hand.
 */
import { VirtualClock } from '../../../src/hal/clock';
import { AT25_OP, AT25_SR, At25Model, type At25ModelOptions } from '../../../src/hal/mock/at25-model';
import type { MemoryStore } from '../../../src/hal/mock/image';

const { WREN, WRDI, RDSR, WRSR, READ, WRITE } = AT25_OP;

function setup(opts: Partial<At25ModelOptions> = {}): { m: At25Model; clock: VirtualClock } {
  const clock = new VirtualClock();
  const m = new At25Model({ size: 32768, pageSize: 64, addressWidth: 16, clock, writeCycleUs: 5000, ...opts });
  return { m, clock };
}

/** One selection: CS low, the bytes, CS high; returns MISO. */
function cmd(m: At25Model, ...bytes: number[]): number[] {
  m.select();
  const miso = bytes.map((b) => m.exchange(b));
  m.deselect();
  return miso;
}
const rdsr = (m: At25Model): number => cmd(m, RDSR, 0)[1]!;
const read = (m: At25Model, addr: number, n: number): number[] => cmd(m, READ, addr >> 8, addr & 0xff, ...new Array<number>(n).fill(0)).slice(3);

describe('At25Model', () => {
  test('powers up with an empty status register and an erased array', () => {
    const { m } = setup();
    expect(rdsr(m)).toBe(0);
    expect(read(m, 0, 4)).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  test('WREN sets WEL only when chip select rises; WRDI clears it', () => {
    const { m } = setup();
    m.select();
    m.exchange(WREN);
    expect(m.status() & AT25_SR.WEL).toBe(0);
    m.deselect();
    expect(rdsr(m)).toBe(AT25_SR.WEL);
    cmd(m, WRDI);
    expect(rdsr(m)).toBe(0);
  });

  test('RDSR keeps clocking out the live status while chip select stays low', () => {
    const { m, clock } = setup();
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 0x12);
    m.select();
    expect(m.exchange(RDSR)).toBe(0xff);
    expect(m.exchange(0)).toBe(AT25_SR.WIP | AT25_SR.WEL);
    clock.advanceUs(5000);
    expect(m.exchange(0)).toBe(0);
    m.deselect();
  });

  test('WRITE without WEL is ignored and starts no cycle', () => {
    const { m } = setup();
    cmd(m, WRITE, 0, 0, 1, 2, 3);
    expect(rdsr(m)).toBe(0);
    expect(read(m, 0, 3)).toEqual([0xff, 0xff, 0xff]);
    expect(m.writeCycles).toBe(0);
  });

  test('WRITE commits on chip-select rise, then tWC busy with only RDSR answered, then WIP and WEL clear', () => {
    const { m, clock } = setup();
    cmd(m, WREN);
    cmd(m, WRITE, 0x01, 0x00, 0xa1, 0xa2);
    expect(m.memory.subarray(0x100, 0x102)).toEqual(Uint8Array.of(0xa1, 0xa2));
    expect(rdsr(m)).toBe(AT25_SR.WIP | AT25_SR.WEL);
    // during tWC: READ returns nothing, WREN/WRDI/WRITE are ignored
    expect(read(m, 0x100, 2)).toEqual([0xff, 0xff]);
    cmd(m, WRDI);
    cmd(m, WRITE, 0, 0, 0x55);
    expect(m.memory[0]).toBe(0xff);
    clock.advanceUs(4999);
    expect(rdsr(m) & AT25_SR.WIP).toBe(AT25_SR.WIP);
    clock.advanceUs(1);
    expect(rdsr(m)).toBe(0);
    expect(read(m, 0x100, 2)).toEqual([0xa1, 0xa2]);
    expect(m.writeCycles).toBe(1);
  });

  test('every page write needs its own WREN', () => {
    const { m, clock } = setup();
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 1);
    clock.advanceUs(5000);
    cmd(m, WRITE, 0, 1, 2);
    clock.advanceUs(5000);
    expect(read(m, 0, 2)).toEqual([1, 0xff]);
  });

  test('WRITE past the end of its page wraps to the start of the same page; later bytes win', () => {
    const { m } = setup({ size: 256, pageSize: 8, addressWidth: 8 });
    cmd(m, WREN);
    // page 8..15: start at 14, write 10 bytes: 14,15,8,9,...,15 again
    cmd(m, WRITE, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    expect(Array.from(m.memory.subarray(8, 16))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(m.memory[16]).toBe(0xff);
    expect(m.memory[7]).toBe(0xff);
  });

  test('a WRITE cut short in its address bytes does nothing and keeps WEL', () => {
    const { m } = setup();
    cmd(m, WREN);
    cmd(m, WRITE, 0);
    expect(rdsr(m)).toBe(AT25_SR.WEL);
    cmd(m, WRITE, 0, 0); // address but no data
    expect(rdsr(m)).toBe(AT25_SR.WEL);
    expect(m.writeCycles).toBe(0);
  });

  test('READ auto-increments and rolls over at the end of the array', () => {
    const { m } = setup({ size: 128, pageSize: 8, addressWidth: 8 });
    m.memory[127] = 0x7f;
    m.memory[0] = 0x00;
    m.memory[1] = 0x01;
    expect(cmd(m, READ, 127, 0, 0, 0).slice(2)).toEqual([0x7f, 0x00, 0x01]);
  });

  test('upper address bits beyond the size are ignored (aliasing)', () => {
    const { m } = setup(); // 32 KiB: A15 is don't care
    m.memory[5] = 0x42;
    expect(read(m, 0x8005, 1)).toEqual([0x42]);
    const small = setup({ size: 128, pageSize: 8, addressWidth: 8 }).m;
    small.memory[5] = 0x43;
    expect(cmd(small, READ, 0x85, 0).slice(2)).toEqual([0x43]);
  });

  test('4-Kbit parts carry A8 in bit 3 of READ/WRITE; smaller 1-byte parts ignore it', () => {
    const { m, clock } = setup({ size: 512, pageSize: 8, addressWidth: 9 });
    cmd(m, WREN);
    cmd(m, WRITE | 0x08, 0x10, 0xab); // 0x0A: address 0x110
    clock.advanceUs(5000);
    expect(m.memory[0x110]).toBe(0xab);
    expect(m.memory[0x010]).toBe(0xff);
    expect(cmd(m, READ | 0x08, 0x10, 0).slice(2)).toEqual([0xab]);
    expect(cmd(m, READ, 0x10, 0).slice(2)).toEqual([0xff]);
    // the 9-bit address counter reads on from 0x0ff into 0x100
    m.memory[0xff] = 1;
    m.memory[0x100] = 2;
    expect(cmd(m, READ, 0xff, 0, 0).slice(2)).toEqual([1, 2]);
    const m2 = setup({ size: 256, pageSize: 8, addressWidth: 8 }).m;
    m2.memory[0x10] = 0x5a;
    expect(cmd(m2, READ | 0x08, 0x10, 0).slice(2)).toEqual([0x5a]);
    expect(cmd(m2, WREN | 0x08)).toEqual([0xff]); // 0x0E is WREN with X = 1
    expect(rdsr(m2)).toBe(AT25_SR.WEL);
  });

  test('3-byte addressing on 1-Mbit parts', () => {
    const { m, clock } = setup({ size: 131072, pageSize: 256, addressWidth: 24 });
    cmd(m, WREN);
    cmd(m, WRITE, 0x01, 0x23, 0x45, 0x99);
    clock.advanceUs(5000);
    expect(m.memory[0x12345]).toBe(0x99);
    expect(cmd(m, READ, 0x01, 0x23, 0x45, 0).slice(4)).toEqual([0x99]);
  });

  test('WRSR needs WEL, writes only BP0/BP1/WPEN, starts a write cycle and clears WEL at its end', () => {
    const { m, clock } = setup();
    cmd(m, WRSR, 0x8c);
    expect(rdsr(m)).toBe(0); // no WEL: ignored
    cmd(m, WREN);
    cmd(m, WRSR, 0xff);
    expect(rdsr(m)).toBe(0x8c | AT25_SR.WIP | AT25_SR.WEL);
    clock.advanceUs(5000);
    expect(rdsr(m)).toBe(0x8c);
  });

  test.each([
    [1, 'upper quarter', 24576],
    [2, 'upper half', 16384],
    [3, 'whole array', 0],
  ])('BP=%i protects the %s: writes there are silently ignored, WEL clears, no cycle', (bp, _name, from) => {
    const { m, clock } = setup({ status: bp << 2 });
    cmd(m, WREN);
    cmd(m, WRITE, from >> 8, from & 0xff, 0x11);
    expect(rdsr(m)).toBe(bp << 2); // no WIP, WEL cleared
    expect(m.memory[from]).toBe(0xff);
    if (from > 0) {
      cmd(m, WREN);
      cmd(m, WRITE, (from - 1) >> 8, (from - 1) & 0xff, 0x22);
      clock.advanceUs(5000);
      expect(m.memory[from - 1]).toBe(0x22);
    }
  });

  test('WPEN with WP low makes the status register read-only; WP high or WPEN=0 allow writes', () => {
    const { m, clock } = setup({ status: AT25_SR.WPEN });
    m.wpPin = false;
    cmd(m, WREN);
    cmd(m, WRSR, 0x0c);
    expect(rdsr(m)).toBe(AT25_SR.WPEN); // ignored, WEL cleared
    m.wpPin = true;
    cmd(m, WREN);
    cmd(m, WRSR, 0x04);
    clock.advanceUs(5000);
    expect(rdsr(m)).toBe(AT25_SR.BP0);
    m.wpPin = false; // WPEN now 0: WP is ignored
    cmd(m, WREN);
    cmd(m, WRSR, 0x00);
    clock.advanceUs(5000);
    expect(rdsr(m)).toBe(0);
    // WP does not protect the array itself
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 0x33);
    expect(m.memory[0]).toBe(0x33);
  });

  test('the pins idle high; setPin/pin drive and read them; wpPin is the boolean view of WP', () => {
    const { m } = setup();
    expect([m.pin('wp'), m.pin('hold')]).toEqual([1, 1]);
    m.setPin('wp', 0);
    expect(m.wpPin).toBe(false);
    m.wpPin = true;
    expect(m.pin('wp')).toBe(1);
    expect(() => m.setPin('cs' as 'wp', 0)).toThrow(/has no pin cs/);
    expect(() => m.setPin('hold', 2 as 0)).toThrow(/0 or 1/);
  });

  test('HOLD low mid-READ pauses: clocks are ignored and SO floats (0xff); HOLD high resumes at the next byte', () => {
    const { m } = setup();
    m.memory.set([0x10, 0x11, 0x12, 0x13], 0x200);
    m.select();
    expect([READ, 0x02, 0x00].map((b) => m.exchange(b))).toEqual([0xff, 0xff, 0xff]);
    expect(m.exchange(0)).toBe(0x10);
    m.setPin('hold', 0);
    expect(m.held).toBe(true);
    expect([0, 0, 0].map((b) => m.exchange(b))).toEqual([0xff, 0xff, 0xff]); // the address counter did not move
    m.setPin('hold', 1);
    expect([0, 0, 0].map((b) => m.exchange(b))).toEqual([0x11, 0x12, 0x13]);
    m.deselect();
  });

  test('bytes sent while held are not taken as address or data; the WRITE resumes and commits what came outside the hold', () => {
    const { m, clock } = setup();
    cmd(m, WREN);
    m.select();
    m.exchange(WRITE);
    m.exchange(0x01);
    m.setPin('hold', 0);
    m.exchange(0x77); // would have been the low address byte
    m.exchange(0x88);
    m.setPin('hold', 1);
    m.exchange(0x40); // the real low address byte
    m.exchange(0xa1);
    m.setPin('hold', 0);
    m.exchange(0xee); // would have been a second data byte
    m.setPin('hold', 1);
    m.exchange(0xa2);
    m.deselect();
    expect(Array.from(m.memory.subarray(0x140, 0x143))).toEqual([0xa1, 0xa2, 0xff]);
    expect(m.memory[0x177]).toBe(0xff);
    clock.advanceUs(5000);
    expect(rdsr(m)).toBe(0);
  });

  test('HOLD pauses RDSR polling but not the write cycle, which ends on time while held', () => {
    const { m, clock } = setup();
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 0x5a);
    m.select();
    m.exchange(RDSR);
    expect(m.exchange(0)).toBe(AT25_SR.WIP | AT25_SR.WEL);
    m.setPin('hold', 0);
    clock.advanceUs(5000); // the cycle runs out while the interface is paused
    expect(m.exchange(0)).toBe(0xff); // high-impedance, not a status
    m.setPin('hold', 1);
    expect(m.exchange(0)).toBe(0); // resumed RDSR: WIP and WEL clear
    m.deselect();
    expect(m.memory[0]).toBe(0x5a);
    expect(m.writeCycles).toBe(1);
  });

  test('HOLD has no effect while the chip is deselected', () => {
    const { m } = setup();
    m.memory[7] = 0x42;
    m.setPin('hold', 0);
    expect(m.held).toBe(false);
    m.setPin('hold', 1);
    expect(read(m, 7, 1)).toEqual([0x42]);
    // asserted before select and held through the command: nothing happens at all
    m.setPin('hold', 0);
    expect(cmd(m, WREN)).toEqual([0xff]);
    m.setPin('hold', 1);
    expect(rdsr(m)).toBe(0);
  });

  test('unknown opcodes are ignored for the whole selection', () => {
    const { m } = setup();
    expect(cmd(m, 0x9f, WREN, 0, 0)).toEqual([0xff, 0xff, 0xff, 0xff]); // JEDEC ID: not on AT25
    expect(rdsr(m)).toBe(0);
    expect(cmd(m, 0x0b, 0, 0, 0)).toEqual([0xff, 0xff, 0xff, 0xff]); // bit 3 means nothing on 2-byte parts
  });

  test('power cycle clears WEL', () => {
    const { m } = setup();
    cmd(m, WREN);
    m.powerCycle();
    expect(rdsr(m)).toBe(0);
  });

  test('fault: stuckBusy keeps WIP set and the chip deaf until cleared', () => {
    const { m, clock } = setup();
    m.faults.stuckBusy = true;
    expect(rdsr(m)).toBe(AT25_SR.WIP);
    cmd(m, WREN);
    clock.advanceUs(1e6);
    expect(rdsr(m)).toBe(AT25_SR.WIP);
    m.faults.stuckBusy = false;
    expect(rdsr(m)).toBe(0);
  });

  test('fault: hangOnCycle makes the n-th write cycle never end', () => {
    const { m, clock } = setup();
    m.faults.hangOnCycle = 2;
    for (let i = 0; i < 2; i++) {
      cmd(m, WREN);
      cmd(m, WRITE, 0, i, i);
      clock.advanceUs(5000);
    }
    expect(rdsr(m)).toBe(AT25_SR.WIP | AT25_SR.WEL);
    m.faults.stuckBusy = false;
    expect(rdsr(m)).toBe(0);
  });

  test('fault: dropWrites runs the cycle but changes nothing', () => {
    const { m, clock } = setup();
    m.faults.dropWrites = 1;
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 0x12);
    expect(rdsr(m)).toBe(AT25_SR.WIP | AT25_SR.WEL);
    clock.advanceUs(5000);
    expect(m.memory[0]).toBe(0xff);
    cmd(m, WREN);
    cmd(m, WRITE, 0, 0, 0x12);
    expect(m.memory[0]).toBe(0x12);
  });

  test('fault: flipOnRead corrupts one cell on every read, not the stored byte', () => {
    const { m } = setup();
    m.memory[3] = 0x10;
    m.faults.flipOnRead = { offset: 3, mask: 0x01 };
    expect(read(m, 2, 3)).toEqual([0xff, 0x11, 0xff]);
    expect(m.memory[3]).toBe(0x10);
  });

  test('tells its backing store which range each write cycle changed', () => {
    const commits: [number, number][] = [];
    const bytes = new Uint8Array(256).fill(0xff);
    const store: MemoryStore = { bytes, commit: (o, l) => commits.push([o, l]) };
    const { m } = setup({ size: 256, pageSize: 8, addressWidth: 8, store });
    cmd(m, WREN);
    cmd(m, WRITE, 17, 1, 2, 3);
    expect(commits).toEqual([[17, 3]]);
    expect(bytes[18]).toBe(2);
  });

  test('rejects inconsistent geometry', () => {
    const clock = new VirtualClock();
    expect(() => new At25Model({ size: 100, pageSize: 64, addressWidth: 16, clock })).toThrow(RangeError);
    expect(() => new At25Model({ size: 256, pageSize: 8, addressWidth: 8, clock, memory: new Uint8Array(10) })).toThrow(RangeError);
  });
});
