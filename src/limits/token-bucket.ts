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
  const last = bucket ?? { tokens: rate.burst, at: now };
  const refilled = Math.min(
    rate.burst,
    last.tokens + (Math.max(0, now - last.at) * rate.requestsPerSecond) / 1000,
  );
  if (refilled >= 1) return { bucket: { tokens: refilled - 1, at: now }, waitMs: 0 };
  const waitMs = Math.ceil(((1 - refilled) * 1000) / rate.requestsPerSecond);
  return { bucket: { tokens: refilled, at: now }, waitMs };
}
