/**
 * The scale suite's arithmetic: Jain's fairness index and the choice of a point's median round.
 */
import { jain, medianRound, type ScalePoint } from '../../bench/suites/scale';

const point = (aggregate: number, perThread: number[]): ScalePoint => ({
  layout: 'separate',
  op: 'read 16 B',
  transport: 'sync',
  threads: perThread.length,
  windowMs: 1000,
  perThread,
  aggregateOpsPerSec: aggregate,
  fairness: jain(perThread),
  us: { n: 1, median: 1, p90: 1, p99: 1, mean: 1, min: 1, max: 1 },
});

test("Jain's index is 1 for equal shares and 1/n when one thread gets everything", () => {
  expect(jain([5, 5, 5, 5])).toBe(1);
  expect(jain([8, 0, 0, 0])).toBe(0.25);
  expect(jain([2, 1])).toBeCloseTo(0.9, 10);
});

test('a point of several rounds is its median round, whole, with every round listed in order', () => {
  const rounds = [point(300, [200, 100]), point(100, [50, 50]), point(200, [150, 50])];
  const m = medianRound(rounds);
  expect(m.aggregateOpsPerSec).toBe(200);
  expect(m.perThread).toEqual([150, 50]);
  expect(m.fairness).toBe(jain([150, 50]));
  expect(m.roundAggregates).toEqual([300, 100, 200]);
  // an even count takes the lower middle; one round is returned as it is
  expect(medianRound([point(1, [1]), point(4, [4]), point(2, [2]), point(3, [3])]).aggregateOpsPerSec).toBe(2);
  expect(medianRound([rounds[0]!])).toBe(rounds[0]);
});
