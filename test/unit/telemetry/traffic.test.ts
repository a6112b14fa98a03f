import { describe, expect, it } from 'vitest';
import { Traffic } from '../../../src/telemetry/traffic.js';

/**
 * The dashboard's figures (src/telemetry/traffic.ts): 10-second buckets, the last minute and the last five, latency
 * percentiles from a coarse histogram, and the 30-bucket success sparkline.
 */

/** Five seconds into a 10-second bucket, so "n seconds ago" lands where the tables say. */
const NOW = 1_795_961_100_000 + 5_000;
const KEY = 'gemini-3.5-flash/sim/gemini-3.5-flash-001';

describe('Traffic windows', () => {
  // the current bucket and the 5 before it make the minute, the current and the 29 before it the five minutes
  it.each([
    [0, true, true],
    [55_000, true, true], // 50 s before this bucket began: the oldest bucket of the minute
    [60_000, false, true], // the bucket before that
    [295_000, false, true], // the oldest bucket of the five minutes
    [300_000, false, false],
    [-10_000, false, false], // from the future (a clock stepped back): never counted
  ])('an attempt %i ms ago: in the minute %s, in the five minutes %s', (ago, inM1, inM5) => {
    const traffic = new Traffic();
    traffic.record(KEY, NOW - ago, true, 40);
    const { m1, m5 } = traffic.windows(KEY, NOW);
    expect(m1.requests).toBe(inM1 ? 1 : 0);
    expect(m5.requests).toBe(inM5 ? 1 : 0);
  });

  it('counts requests, failures, success rate, requests per second and attempts per request', () => {
    const traffic = new Traffic();
    for (let i = 0; i < 9; i++) traffic.record(KEY, NOW - i * 1_000, true, 40, 1);
    traffic.record(KEY, NOW, false, 40, 3);
    traffic.record(KEY, NOW - 120_000, false, 40, 2);
    const { m1, m5 } = traffic.windows(KEY, NOW);
    expect(m1).toMatchObject({ requests: 10, failures: 1, successRate: 0.9, rps: 10 / 60 });
    expect(m1.attemptsPerRequest).toBeCloseTo(12 / 10);
    expect(m5).toMatchObject({ requests: 11, failures: 2, successRate: 9 / 11, rps: 11 / 300 });
    expect(m5.attemptsPerRequest).toBeCloseTo(14 / 11);
  });

  it('a key without traffic (never seen, or forgotten) reads as no data, not as zero success', () => {
    const empty = new Traffic().windows(KEY, NOW).m1;
    expect(empty).toEqual({
      requests: 0,
      failures: 0,
      successRate: null,
      p50Ms: null,
      p99Ms: null,
      rps: 0,
      attemptsPerRequest: null,
    });
  });
});

describe('Traffic buckets expire after five minutes', () => {
  it('a bucket older than five minutes is gone from both windows and the sparkline', () => {
    const traffic = new Traffic();
    traffic.record(KEY, NOW, false, 40);
    const later = NOW + 300_000;
    expect(traffic.windows(KEY, later).m5.requests).toBe(0);
    expect(traffic.sparkline(KEY, later).every((rate) => rate === null)).toBe(true);
  });

  it('the slot a bucket reuses five minutes on starts from zero: old failures do not leak into new figures', () => {
    const traffic = new Traffic();
    for (let i = 0; i < 5; i++) traffic.record(KEY, NOW, false, 40);
    const later = NOW + 300_000; // the same slot of the ring, a new bucket
    traffic.record(KEY, later, true, 40);
    const { m1 } = traffic.windows(KEY, later);
    expect(m1).toMatchObject({ requests: 1, failures: 0, successRate: 1 });
    expect(traffic.sparkline(KEY, later).at(-1)).toBe(1);
  });
});

describe('Traffic percentiles', () => {
  // the histogram's bins bound each answer: p50 and p99 fall in the bin that holds the true value
  it.each<[string, [number, number][], [number, number], [number, number]]>([
    ['all fast', [[3, 100]], [0, 5], [0, 5]],
    [
      'a slow tail',
      [
        [20, 90],
        [2_000, 10],
      ],
      [10, 25],
      [1_000, 2_500],
    ],
    [
      'one slow call in a hundred sets p99 alone',
      [
        [420, 99],
        [9_000, 1],
      ],
      [250, 500],
      [250, 500],
    ],
    [
      'one in fifty moves p99',
      [
        [420, 98],
        [9_000, 2],
      ],
      [250, 500],
      [5_000, 10_000],
    ],
    // slower than the last bound reads slower than it, not as the bound itself
    ['beyond the last bound (30 s)', [[45_000, 10]], [30_001, 60_000], [30_001, 60_000]],
  ])('%s', (_name, samples, p50, p99) => {
    const traffic = new Traffic();
    for (const [ms, n] of samples) for (let i = 0; i < n; i++) traffic.record(KEY, NOW, true, ms);
    const { m1 } = traffic.windows(KEY, NOW);
    expect(m1.p50Ms).toBeGreaterThanOrEqual(p50[0]);
    expect(m1.p50Ms).toBeLessThanOrEqual(p50[1]);
    expect(m1.p99Ms).toBeGreaterThanOrEqual(p99[0]);
    expect(m1.p99Ms).toBeLessThanOrEqual(p99[1]);
  });
});

describe('Traffic sparkline', () => {
  it('30 buckets, oldest first, the bucket in progress last; null where nothing was sent', () => {
    const traffic = new Traffic();
    traffic.record(KEY, NOW - 300_000, false, 40); // one bucket too old to show
    traffic.record(KEY, NOW - 290_000, true, 40); // the oldest bucket shown
    traffic.record(KEY, NOW - 100_000, true, 40);
    traffic.record(KEY, NOW - 100_000, false, 40);
    traffic.record(KEY, NOW, false, 40);
    const line = traffic.sparkline(KEY, NOW);
    expect(line).toHaveLength(30);
    const expected: (number | null)[] = new Array(30).fill(null);
    expected[0] = 1;
    expected[19] = 0.5;
    expected[29] = 0;
    expect(line).toEqual(expected);
  });

  it('keys are kept apart', () => {
    const traffic = new Traffic();
    traffic.record(KEY, NOW, false, 40);
    traffic.record('other', NOW, true, 40);
    expect(traffic.sparkline(KEY, NOW).at(-1)).toBe(0);
    expect(traffic.sparkline('other', NOW).at(-1)).toBe(1);
  });
});

describe('Traffic.retain', () => {
  it('forgets the keys a reload removed and keeps the others', () => {
    const traffic = new Traffic();
    traffic.record(KEY, NOW, true, 40);
    traffic.record('removed', NOW, true, 40);
    traffic.retain(new Set([KEY]));
    expect(traffic.windows(KEY, NOW).m1.requests).toBe(1);
    expect(traffic.windows('removed', NOW).m1.requests).toBe(0);
    // a key that comes back starts afresh
    traffic.record('removed', NOW, false, 40);
    expect(traffic.windows('removed', NOW).m1).toMatchObject({ requests: 1, failures: 1 });
  });
});

describe('Traffic and a clock that steps back', () => {
  it('a record stamped five minutes or more before the latest is dropped, and the current bucket keeps its counts', () => {
    const traffic = new Traffic();
    for (let i = 0; i < 4; i++) traffic.record(KEY, NOW, true, 40);
    traffic.record(KEY, NOW - 300_000, false, 40); // lands in the current bucket's slot, from an older epoch
    const { m1 } = traffic.windows(KEY, NOW);
    expect(m1).toMatchObject({ requests: 4, failures: 0 });
  });
});
