import { SPARKLINE_BUCKETS, type Window } from '../admin-contract.js';

/** Traffic is kept in 10-second buckets, like the sparkline's, so windows and sparkline always agree. */
export const BUCKET_MS = 10_000;

export interface Bucket {
  /** Client requests (alias) or attempts sent (target). */
  requests: number;
  failures: number;
  /** Alias buckets only: upstream attempts the requests took. */
  attempts: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export const EMPTY_BUCKET: Bucket = { requests: 0, failures: 0, attempts: 0, p50Ms: null, p99Ms: null };

export function emptyBuckets(): Bucket[] {
  return Array.from({ length: SPARKLINE_BUCKETS }, () => ({ ...EMPTY_BUCKET }));
}

/** Keeps the last SPARKLINE_BUCKETS buckets, oldest first. */
export function pushBucket(buckets: Bucket[], bucket: Bucket): void {
  buckets.push(bucket);
  while (buckets.length > SPARKLINE_BUCKETS) buckets.shift();
}

/**
 * The window over the newest `count` buckets. p50 is the request-weighted mean of the buckets' medians and
 * p99 the worst bucket's: close enough for a fake, and never better than the truth.
 */
export function windowOf(buckets: readonly Bucket[], count: number, withAttempts = false): Window {
  const recent = buckets.slice(-count);
  let requests = 0;
  let failures = 0;
  let attempts = 0;
  let weighted = 0;
  let p99: number | null = null;
  for (const b of recent) {
    requests += b.requests;
    failures += b.failures;
    attempts += b.attempts;
    if (b.p50Ms !== null) weighted += b.p50Ms * b.requests;
    if (b.p99Ms !== null) p99 = Math.max(p99 ?? 0, b.p99Ms);
  }
  const window: Window = {
    requests,
    failures,
    successRate: requests ? (requests - failures) / requests : null,
    p50Ms: requests ? Math.round(weighted / requests) : null,
    p99Ms: requests ? p99 : null,
    rps: round2(requests / ((count * BUCKET_MS) / 1000)),
  };
  if (withAttempts) window.attemptsPerRequest = requests ? round2(attempts / requests) : null;
  return window;
}

export function sparklineOf(buckets: readonly Bucket[]): (number | null)[] {
  return buckets.map((b) => (b.requests ? (b.requests - b.failures) / b.requests : null));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
