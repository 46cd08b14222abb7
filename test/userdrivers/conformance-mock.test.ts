/**
 * Runs the EEPROM conformance suite for every part of the parts table on the mock backends: AT25
 * over the mock SPI bus, AT24 over the mock I2C bus both with and without repeated START.
 */
import { runEepromConformance, type ConformanceDevice } from '../conformance/eeprom-conformance';
import { AT24_PARTS, AT25_PARTS, type EepromPart } from '../../src/devicetree/parts';
import { mockAt24, mockAt25 } from '../helpers/mock-eeprom';

async function makeMock(part: EepromPart, readOnly: boolean, repeatedStart: boolean): Promise<ConformanceDevice> {
  const f = part.kind === 'at25' ? await mockAt25(part, { readOnly }) : await mockAt24(part, { readOnly, repeatedStart });
  return {
    eeprom: f.eeprom,
    memory: f.model.memory,
    transactions: () => f.dev.transactions,
    close: async () => {
      /* nothing held */
    },
  };
}

runEepromConformance('mock SPI', (part, o) => makeMock(part, o.readOnly, true), { parts: AT25_PARTS });
runEepromConformance('mock I2C, repeated START', (part, o) => makeMock(part, o.readOnly, true), { parts: AT24_PARTS });
runEepromConformance('mock I2C, no repeated START', (part, o) => makeMock(part, o.readOnly, false), { parts: AT24_PARTS });
