import type { Clock } from '../clock.js';
import { type Bucket, type Rate, take } from './token-bucket.js';

/** Decides whether one more request of a client key fits its rate: 0, or how long to wait, ms. */
export interface RateLimiter {
  take(key: string, rate: Rate): number;
}

/** One bucket per key in this process's memory (the fleet's shared limiter builds on the same arithmetic). */
export class LocalRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  take(key: string, rate: Rate): number {
    const { bucket, waitMs } = take(this.#buckets.get(key), rate, this.clock.now());
    this.#buckets.set(key, bucket);
    return waitMs;
  }
}
