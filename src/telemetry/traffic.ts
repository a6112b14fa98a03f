/**
 * What the on-call engineer reads on the dashboard for each target and alias: requests, failures, latency
 * percentiles and requests per second over the last 1 and 5 minutes, and a success-rate sparkline. Counted in
 * 10-second buckets (30 of them: 5 minutes) with a coarse latency histogram per bucket; memory is a few KB per key
 * that has seen traffic, and recording is a handful of array writes (it sits on the request path).
 */

const BUCKET_MS = 10_000;
const BUCKETS = 30;
/** Upper bounds of the latency bins, ms; the last bin is everything above. */
const BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];
const BINS = BOUNDS_MS.length + 1;
/** Per bucket: requests, failures, attempts, then the latency bins. */
const SLOTS = 3 + BINS;

/** One window of traffic as the admin API reports it. */
export interface Window {
  requests: number;
  failures: number;
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  rps: number;
  attemptsPerRequest: number | null;
}

class Series {
  readonly epochs = new Float64Array(BUCKETS).fill(-1);
  readonly counts = new Uint32Array(BUCKETS * SLOTS);

  add(now: number, ok: boolean, ms: number, attempts: number): void {
    const epoch = Math.floor(now / BUCKET_MS);
    const slot = epoch % BUCKETS;
    const base = slot * SLOTS;
    // a record older than the bucket now in its slot (a clock stepped back) is dropped, not allowed to wipe it
    if (epoch < this.epochs[slot]!) return;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.counts.fill(0, base, base + SLOTS);
    }
    this.counts[base]!++;
    if (!ok) this.counts[base + 1]!++;
    this.counts[base + 2]! += attempts;
    let bin = 0;
    while (bin < BOUNDS_MS.length && ms > BOUNDS_MS[bin]!) bin++;
    this.counts[base + 3 + bin]!++;
  }

  /** The last `buckets` buckets up to `now`, summed. */
  window(now: number, buckets: number): Window {
    const current = Math.floor(now / BUCKET_MS);
    const bins = new Array<number>(BINS).fill(0);
    let requests = 0;
    let failures = 0;
    let attempts = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const epoch = this.epochs[slot]!;
      if (epoch <= current - buckets || epoch > current) continue;
      const base = slot * SLOTS;
      requests += this.counts[base]!;
      failures += this.counts[base + 1]!;
      attempts += this.counts[base + 2]!;
      for (let b = 0; b < BINS; b++) bins[b]! += this.counts[base + 3 + b]!;
    }
    return {
      requests,
      failures,
      successRate: requests === 0 ? null : (requests - failures) / requests,
      p50Ms: percentile(bins, requests, 0.5),
      p99Ms: percentile(bins, requests, 0.99),
      rps: requests / ((buckets * BUCKET_MS) / 1000),
      attemptsPerRequest: requests === 0 ? null : attempts / requests,
    };
  }

  /** Success rate per bucket over the whole series, oldest first; null for a bucket without traffic. */
  sparkline(now: number): (number | null)[] {
    const current = Math.floor(now / BUCKET_MS);
    const out: (number | null)[] = [];
    for (let epoch = current - BUCKETS + 1; epoch <= current; epoch++) {
      const slot = ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
      const base = slot * SLOTS;
      const requests = this.epochs[slot] === epoch ? this.counts[base]! : 0;
      out.push(requests === 0 ? null : (requests - this.counts[base + 1]!) / requests);
    }
    return out;
  }
}

/** A percentile from the histogram, interpolated inside its bin; null without data. */
function percentile(bins: readonly number[], total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    const n = bins[b]!;
    if (seen + n >= rank && n > 0) {
      const low = b === 0 ? 0 : BOUNDS_MS[b - 1]!;
      const high = BOUNDS_MS[b] ?? low * 2;
      return Math.round(low + ((rank - seen) / n) * (high - low));
    }
    seen += n;
  }
  return BOUNDS_MS[BOUNDS_MS.length - 1]!;
}

/** Traffic per key (a target id, or an alias name), kept only for keys that have seen traffic. */
export class Traffic {
  readonly #series = new Map<string, Series>();

  /** One answered or failed unit of work: an attempt for a target, a client request for an alias. */
  record(key: string, now: number, ok: boolean, ms: number, attempts = 1): void {
    let series = this.#series.get(key);
    if (!series) {
      series = new Series();
      this.#series.set(key, series);
    }
    series.add(now, ok, ms, attempts);
  }

  /** The last minute and the last five. */
  windows(key: string, now: number): { m1: Window; m5: Window } {
    const series = this.#series.get(key) ?? EMPTY;
    return { m1: series.window(now, 6), m5: series.window(now, BUCKETS) };
  }

  sparkline(key: string, now: number): (number | null)[] {
    return (this.#series.get(key) ?? EMPTY).sparkline(now);
  }

  /** Forgets keys no longer in use (a target removed by a reload). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#series.keys()) if (!keys.has(key)) this.#series.delete(key);
  }
}

const EMPTY = new Series();
