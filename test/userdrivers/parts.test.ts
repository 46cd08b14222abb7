/**
 * The parts table: datasheet geometry, lookups, and the configs built from it.
 */
import { HilError } from '../../src/abi/errno';
import { AT24_PARTS, AT25_PARTS, at24AddressSpan, EEPROM_PARTS, findPart, partByName, partConfig, partForCompatible, type At24Part } from '../../src/devicetree/parts';

test('AT25 geometry follows the datasheets', () => {
  const g = Object.fromEntries(AT25_PARTS.map((p) => [p.name, [p.size, p.pageSize, p.addressWidth]]));
  expect(g).toEqual({
    AT25010: [128, 8, 8],
    AT25020: [256, 8, 8],
    AT25040: [512, 8, 9],
    AT25080: [1024, 32, 16],
    AT25160: [2048, 32, 16],
    AT25320: [4096, 32, 16],
    AT25640: [8192, 32, 16],
    AT25128: [16384, 64, 16],
    AT25256: [32768, 64, 16],
    AT25512: [65536, 128, 16],
    AT25M01: [131072, 256, 24],
    '25LC010A': [128, 16, 8],
    '25LC020A': [256, 16, 8],
    '25LC040A': [512, 16, 9],
    '25LC080A': [1024, 16, 16],
    '25LC160A': [2048, 16, 16],
    M95M02: [262144, 256, 24],
  });
});

test('AT24 geometry and device-address spans follow the datasheets', () => {
  const g = Object.fromEntries(AT24_PARTS.map((p) => [p.name, [p.size, p.pageSize, p.addressWidth, at24AddressSpan(p)]]));
  expect(g).toEqual({
    AT24C01: [128, 8, 8, 1],
    AT24C02: [256, 8, 8, 1],
    AT24C04: [512, 16, 8, 2],
    AT24C08: [1024, 16, 8, 4],
    AT24C16: [2048, 16, 8, 8],
    AT24C32: [4096, 32, 16, 1],
    AT24C64: [8192, 32, 16, 1],
    AT24C128: [16384, 64, 16, 1],
    AT24C256: [32768, 64, 16, 1],
    AT24C512: [65536, 128, 16, 1],
    AT24CM01: [131072, 256, 16, 2],
    AT24CM02: [262144, 256, 16, 4],
    M24C01: [128, 16, 8, 1],
    M24C02: [256, 16, 8, 1],
    '24LC1026': [131072, 128, 16, 2],
  });
});

test('lookups are case-insensitive and know the other makers\' names; unknown names are EINVAL listing the known ones', () => {
  expect(findPart(' at25256 ')?.size).toBe(32768);
  expect(findPart('m95256')?.name).toBe('AT25256');
  expect(findPart('25lc1024')?.name).toBe('AT25M01');
  expect(findPart('24LC02B')?.name).toBe('AT24C02');
  expect(findPart('M24C02')?.pageSize).toBe(16); // not AT24C02's 8
  expect(findPart('AT99')).toBeUndefined();
  expect(() => partByName('AT99')).toThrow(HilError);
  expect(() => partByName('AT99')).toThrow(/AT24CM01/);
});

test('partConfig builds the driver config a devicetree node would give', () => {
  expect(partConfig(partByName('AT25040'))).toMatchObject({ kind: 'at25', name: 'at25040', size: 512, pageSize: 8, addressWidth: 9, timeoutMs: 10, readOnly: false });
  expect(partConfig(partByName('AT24C16') as At24Part, { address: 0x50, readOnly: true, name: 'eeprom1' })).toMatchObject({
    kind: 'at24',
    name: 'eeprom1',
    address: 0x50,
    readOnly: true,
    addressWidth: 8,
  });
});

test('every row names itself by compatible, no compatible names two rows, and every part has a write-cycle time', () => {
  const seen = new Map<string, string>();
  for (const p of EEPROM_PARTS) {
    expect(p.writeCycleMs).toBeGreaterThanOrEqual(5);
    expect(p.compatibles.length).toBeGreaterThan(0);
    for (const c of p.compatibles) {
      expect(c).toBe(c.toLowerCase());
      expect(seen.get(c) ?? p.name).toBe(p.name);
      seen.set(c, p.name);
      expect(partForCompatible(c)?.name).toBe(p.name);
    }
  }
  expect(partForCompatible('atmel,24c256')?.name).toBe('AT24C256');
  expect(partForCompatible('atmel,at25256B')?.name).toBe('AT25256');
  expect(partForCompatible('atmel,at25')).toBeUndefined();
});
