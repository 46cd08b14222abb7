/**
 * Property-based tests (fast-check): random sequences of writes, erases and reads at random
 * offsets and lengths, on small parts of every addressing scheme and on tight transfer limits,
 * compared after every step with a plain Buffer reference. Out-of-range operations must fail
 * with EINVAL and change nothing. Time is virtual, so thousands of cases run in seconds.
 */
import fc from 'fast-check';
import type { Eeprom } from '../../src/userdrivers/eeprom';
import { partByName, type At24Part, type At25Part } from '../../src/devicetree/parts';
import { mockAt24, mockAt25 } from '../helpers/mock-eeprom';

type Op =
  | { kind: 'write'; offset: number; data: Uint8Array; verify: boolean }
  | { kind: 'erase'; offset: number; length: number; fill: number }
  | { kind: 'read'; offset: number; length: number };

/** Offsets and lengths biased towards the edges: page boundaries, the end, and a little beyond. */
function opArb(size: number, page: number): fc.Arbitrary<Op> {
  const offset = fc.oneof(
    fc.integer({ min: 0, max: size - 1 }),
    fc.integer({ min: 0, max: size / page - 1 }).chain((p) => fc.integer({ min: -2, max: 2 }).map((d) => Math.max(0, p * page + d))),
    fc.integer({ min: size - 3, max: size + 1 }),
  );
  const length = fc.oneof(fc.integer({ min: 0, max: 3 * page + 2 }), fc.integer({ min: 0, max: size }));
  return fc.oneof(
    fc.record({ kind: fc.constant('write' as const), offset, data: fc.uint8Array({ minLength: 0, maxLength: 3 * page + 2 }), verify: fc.boolean() }),
    fc.record({ kind: fc.constant('erase' as const), offset, length, fill: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('read' as const), offset, length }),
  );
}

async function apply(e: Eeprom, ref: Buffer, op: Op): Promise<void> {
  const size = ref.length;
  const len = op.kind === 'write' ? op.data.length : op.length;
  const inBounds = op.offset + len <= size;
  const run = async (): Promise<Uint8Array | void> => {
    if (op.kind === 'write') await e.write(op.offset, op.data, { verify: op.verify });
    else if (op.kind === 'erase') await e.erase(op.offset, op.length, op.fill);
    else return e.read(op.offset, op.length);
  };
  if (!inBounds) {
    await expect(run()).rejects.toMatchObject({ code: 'EINVAL' });
    return;
  }
  const got = await run();
  if (op.kind === 'write') ref.set(op.data, op.offset);
  else if (op.kind === 'erase') ref.fill(op.fill, op.offset, op.offset + op.length);
  else expect(Buffer.from(got as Uint8Array).equals(ref.subarray(op.offset, op.offset + op.length))).toBe(true);
}

const CASES = [
  { part: 'AT25010', runs: 250 },
  { part: 'AT25040', runs: 250 },
  { part: 'AT25080', runs: 250 },
  { part: 'AT24C02', runs: 250 },
  { part: 'AT24C08', runs: 250 },
  { part: 'AT24C32', runs: 250 },
];

describe.each(CASES)('random operation sequences on $part match a Buffer reference', ({ part: name, runs }) => {
  const part = partByName(name);
  test.each([
    ['a roomy', 4096],
    ['a tight', 17],
  ])(`with %s transfer limit`, async (_label, maxTransferBytes) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(part.size, part.pageSize), { minLength: 1, maxLength: 12 }), fc.boolean(), async (ops, repeatedStart) => {
        const f =
          part.kind === 'at25'
            ? await mockAt25(part as At25Part, { maxTransferBytes })
            : await mockAt24(part as At24Part, { maxTransferBytes, repeatedStart });
        const ref = Buffer.alloc(part.size, 0xff);
        for (const op of ops) await apply(f.eeprom, ref, op);
        // the chip itself holds exactly the reference, and reads agree in one sweep
        expect(Buffer.from(f.model.memory).equals(ref)).toBe(true);
        expect(Buffer.from(await f.eeprom.read(0, part.size)).equals(ref)).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});

test('the property can fail: a driver that loses the last byte of each write is caught', async () => {
  const part = partByName('AT25010') as At25Part;
  const run = fc.assert(
    fc.asyncProperty(fc.array(opArb(part.size, part.pageSize), { minLength: 1, maxLength: 12 }), async (ops) => {
      const f = await mockAt25(part);
      const lossy: Eeprom = Object.create(f.eeprom) as Eeprom;
      lossy.write = (offset, data, opts) => f.eeprom.write(offset, data.length > 1 ? data.subarray(0, data.length - 1) : data, opts);
      const ref = Buffer.alloc(part.size, 0xff);
      for (const op of ops) await apply(lossy, ref, op);
      expect(Buffer.from(f.model.memory).equals(ref)).toBe(true);
    }),
    { numRuns: 200 },
  );
  await expect(run).rejects.toThrow(/Property failed/);
});
