import { describe, expect, it } from 'vitest';
import { type Bucket, take } from '../../../src/limits/token-bucket.js';

const rate = { requestsPerSecond: 10, burst: 5 };

describe('take: a token bucket, as data', () => {
  it.each<[string, Bucket | undefined, number, number, number]>([
    ['a new bucket is full: the first request passes', undefined, 0, 0, 4],
    ['an empty bucket: wait for one token (100 ms at 10/s)', { tokens: 0, at: 0 }, 0, 100, 0],
    ['half a token: wait for the other half', { tokens: 0.5, at: 0 }, 0, 50, 0.5],
    ['refilled by the time that passed', { tokens: 0, at: 0 }, 250, 0, 1.5],
    ['never above the burst', { tokens: 2, at: 0 }, 60_000, 0, 4],
    ['a clock that steps back refills nothing', { tokens: 0, at: 1000 }, 0, 100, 0],
  ])('%s', (_n, bucket, now, waitMs, left) => {
    const result = take(bucket, rate, now);
    expect(result.waitMs).toBe(waitMs);
    expect(result.bucket.tokens).toBeCloseTo(left, 9);
  });
});
