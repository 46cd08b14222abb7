/**
 * File images behind device models: created erased, refused on a size mismatch, and written
 * through so that a second run sees the first run's writes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import { AT25_OP, At25Model } from '../../../src/hal/mock/at25-model';
import { At24Model } from '../../../src/hal/mock/at24-model';
import { FileImage } from '../../../src/hal/mock/image';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-image-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a missing file is created erased (0xff) with the part size', () => {
  const file = path.join(dir, 'new.bin');
  const img = FileImage.open(file, 128);
  img.close();
  const bytes = fs.readFileSync(file);
  expect(bytes.length).toBe(128);
  expect(bytes.every((b) => b === 0xff)).toBe(true);
});

test('a file of the wrong size is refused with EINVAL naming both sizes, and left alone', () => {
  const file = path.join(dir, 'small.bin');
  fs.writeFileSync(file, Buffer.alloc(100, 0x11));
  let err: unknown;
  try {
    FileImage.open(file, 128);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('EINVAL');
  expect((err as HilError).message).toMatch(/100 bytes.*128/);
  expect(fs.readFileSync(file).length).toBe(100);
});

test('a directory is not an image', () => {
  expect(() => FileImage.open(dir, 128)).toThrow(HilError);
});

test('AT25 writes go through to the file; a new model on the same file sees them', () => {
  const file = path.join(dir, 'at25.bin');
  const clock = new VirtualClock();
  const img = FileImage.open(file, 256);
  const m = new At25Model({ size: 256, pageSize: 8, addressWidth: 8, clock, store: img });
  const cmd = (...b: number[]) => {
    m.select();
    b.forEach((x) => m.exchange(x));
    m.deselect();
  };
  cmd(AT25_OP.WREN);
  cmd(AT25_OP.WRITE, 10, 1, 2, 3);
  expect(img.dirty).toBe(false);
  expect(Array.from(fs.readFileSync(file).subarray(9, 14))).toEqual([0xff, 1, 2, 3, 0xff]);
  img.close();
  const again = FileImage.open(file, 256);
  const m2 = new At25Model({ size: 256, pageSize: 8, addressWidth: 8, clock, store: again });
  expect(Array.from(m2.memory.subarray(10, 13))).toEqual([1, 2, 3]);
  again.close();
});

test('without write-through an AT24 image is dirty until flushed', () => {
  const file = path.join(dir, 'at24.bin');
  const clock = new VirtualClock();
  const img = FileImage.open(file, 256, { writeThrough: false });
  const m = new At24Model({ size: 256, pageSize: 8, addressWidth: 8, clock, store: img });
  m.start(0x50, false);
  m.write(4);
  m.write(0x44);
  m.stop();
  expect(img.dirty).toBe(true);
  expect(fs.readFileSync(file)[4]).toBe(0xff);
  img.flush();
  expect(img.dirty).toBe(false);
  expect(fs.readFileSync(file)[4]).toBe(0x44);
  img.close();
  expect(() => img.flush()).toThrow(HilError);
});
