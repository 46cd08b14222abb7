/**
 * How big each harness run is: the short sizes `npm test` runs (test/reliability/*.test.ts), and
 * the full sizes of `npm run reliability -- --full`, whose figures docs/RELIABILITY.md records.
 */
export const SIZES = {
  short: { frames: 300, crashes: 8, kills: 2, signals: 2, durationS: 3 },
  full: { frames: 100_000, crashes: 1000, kills: 200, signals: 100, durationS: 3600 },
} as const;
