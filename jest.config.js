/**
 * Jest runs the TypeScript tests through @swc/jest (transpile only; `npm run typecheck:test` and
 * `npm test`'s build step type-check). Worker threads spawned by the kernel load the compiled
 * JavaScript under dist/, which `npm test` builds first (the `pretest` script).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/hw writes to real chips: only `npm run test:hw` runs it (jest.hw.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/hw/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // Two cores: leave one for the worker threads the tests spawn.
  maxWorkers: 2,
};
