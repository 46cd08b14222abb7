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

describe('crash safety', () => {
  const leftovers = (): string[] => fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));

  test('a new image appears whole: written to a temporary file and moved into place, nothing left behind', () => {
    const file = path.join(dir, 'fresh.bin');
    const seen: number[] = [];
    // Watch the directory while the image is created: the final name never exists short.
    const watcher = fs.watch(dir, () => {
      try {
        seen.push(fs.statSync(file).size);
      } catch {
        /* not there yet */
      }
    });
    try {
      FileImage.open(file, 64 * 1024).close();
    } finally {
      watcher.close();
    }
    expect(fs.statSync(file).size).toBe(64 * 1024);
    expect(seen.every((n) => n === 64 * 1024)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  test('an empty file (touch) becomes an erased image of the part size', () => {
    const file = path.join(dir, 'touched.bin');
    fs.writeFileSync(file, '');
    FileImage.open(file, 256).close();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(256);
    expect(bytes.every((b) => b === 0xff)).toBe(true);
  });

  test('a missing directory and an unwritable directory are named in the error', () => {
    expect(() => FileImage.open(path.join(dir, 'no', 'such', 'x.bin'), 64)).toThrow(/cannot create image .*its directory .*no\/such does not exist/);
    if (process.getuid?.() !== 0) {
      const ro = path.join(dir, 'ro');
      fs.mkdirSync(ro, 0o555);
      expect(() => FileImage.open(path.join(ro, 'x.bin'), 64)).toThrow(/cannot create image .*no permission/);
      fs.chmodSync(ro, 0o755);
    }
  });

  test('a completed write cycle writes exactly its page to the file, nothing around it', () => {
    const file = path.join(dir, 'pages.bin');
    const img = FileImage.open(file, 256);
    // Bytes changed behind the model's back (in the file only) show what the commit rewrote.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(256, 0x33), 0, 256, 0);
    fs.closeSync(fd);
    const m = new At25Model({ size: 256, pageSize: 16, addressWidth: 8, clock: new VirtualClock(), store: img });
    m.select();
    m.exchange(AT25_OP.WREN);
    m.deselect();
    m.select();
    [AT25_OP.WRITE, 0x20, ...Array.from({ length: 16 }, (_, i) => i)].forEach((b) => m.exchange(b));
    m.deselect();
    img.close();
    const bytes = fs.readFileSync(file);
    expect(Array.from(bytes.subarray(0x20, 0x30))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(bytes.subarray(0, 0x20).every((b) => b === 0x33)).toBe(true);
    expect(bytes.subarray(0x30).every((b) => b === 0x33)).toBe(true);
  });
});

describe('registers persist beside the image', () => {
  const cmd = (m: At25Model, ...b: number[]): void => {
    m.select();
    b.forEach((x) => m.exchange(x));
    m.deselect();
  };

  test('an AT25 status register written in one run is there in the next; the image stays a plain dump', () => {
    const file = path.join(dir, 'sr.bin');
    const clock = new VirtualClock();
    const img = FileImage.open(file, 256);
    const m = new At25Model({ size: 256, pageSize: 8, addressWidth: 8, clock, store: img });
    cmd(m, AT25_OP.WREN);
    cmd(m, AT25_OP.WRSR, 0x8c); // WPEN, BP1, BP0
    img.close();
    expect(fs.statSync(file).size).toBe(256);
    expect(JSON.parse(fs.readFileSync(`${file}.state`, 'utf8'))).toEqual({ format: 'hilbridge-image-state', version: 1, status: 0x8c });

    const again = FileImage.open(file, 256);
    const m2 = new At25Model({ size: 256, pageSize: 8, addressWidth: 8, clock, store: again });
    expect(m2.status()).toBe(0x8c); // WEL and WIP are volatile: clear after the "power cycle"
    again.close();
  });

  test('a new image forgets a stale sidecar; a malformed sidecar is refused with advice', () => {
    const file = path.join(dir, 'stale.bin');
    fs.writeFileSync(`${file}.state`, JSON.stringify({ format: 'hilbridge-image-state', version: 1, status: 0x0c }));
    const img = FileImage.open(file, 64);
    expect(img.savedRegisters).toBeUndefined();
    expect(fs.existsSync(`${file}.state`)).toBe(false);
    img.close();
    fs.writeFileSync(`${file}.state`, '{"status": 12');
    expect(() => FileImage.open(file, 64)).toThrow(/image state .*stale\.bin\.state is not JSON; delete it/);
    fs.writeFileSync(`${file}.state`, JSON.stringify({ format: 'hilbridge-image-state', version: 1, status: 300 }));
    expect(() => FileImage.open(file, 64)).toThrow(/holds status 300, not a byte/);
  });
});
