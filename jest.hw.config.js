/**
 * Jest configuration for the hardware conformance run (`npm run test:hw`, which sets
 * HILBRIDGE_BOARD and HILBRIDGE_HW_CHIPS). Not part of `npm test`: it writes to real chips.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/hw'],
  testMatch: ['**/*.hw.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Real chips: a 32 KiB erase takes seconds; one chip at a time.
  testTimeout: 600000,
  maxWorkers: 1,
};
