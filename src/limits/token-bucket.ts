/** A rate: `perSecond` sustained, `burst` at once. */
export interface Rate {
  requestsPerSecond: number;
  burst: number;
}

/**
 * A token bucket as data, advanced by time passed in: `burst` tokens, refilled at `requestsPerSecond`. Pure, so the
 * local limiter and a shared one compute the same answer.
 */
export interface Bucket {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

/** Takes one token at `now`: the bucket after, and 0, or the ms until a token is there (nothing taken). */
export function take(
  bucket: Bucket | undefined,
  rate: Rate,
  now: number,
): { bucket: Bucket; waitMs: number } {
  const refilled = refill(bucket, rate, now);
  if (refilled.tokens >= 1) return { bucket: { tokens: refilled.tokens - 1, at: now }, waitMs: 0 };
  return { bucket: refilled, waitMs: waitFor(refilled, rate) };
}

/** The bucket at `now`: refilled for the time passed, never above `burst` (a bucket may be below 0: owed tokens). */
export function refill(bucket: Bucket | undefined, rate: Rate, now: number): Bucket {
  if (!bucket) return { tokens: rate.burst, at: now };
  const tokens = bucket.tokens + (Math.max(0, now - bucket.at) * rate.requestsPerSecond) / 1000;
  return { tokens: Math.min(rate.burst, tokens), at: now };
}

/** How long until the bucket holds a whole token at `rate`, ms (0 when it does). */
export function waitFor(bucket: Bucket, rate: Rate): number {
  if (bucket.tokens >= 1) return 0;
  return Math.ceil(((1 - bucket.tokens) * 1000) / rate.requestsPerSecond);
}
