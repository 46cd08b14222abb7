/**
 * `hilbridge/drivers`: the EEPROM drivers and the EEPROM service, for user programs that drive a
 * chip themselves (a driver library in the caller's thread) or serve it to others. Loaded into a
 * user thread's compartment like the program itself.
 */
export { At25Eeprom, AT25_OPCODE, AT25_STATUS, type At25DriverOptions } from './at25';
export { At24Eeprom, type At24DriverOptions } from './at24';
export { eepromService, openDriver } from './eeprom-server';
export type { Eeprom, WriteOptions, WriteResult, WriteProgress, ProtectionSettings, EepromStatus, ProtectedBlocks } from './eeprom';
