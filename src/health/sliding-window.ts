/**
 * Counts over the last `windowMs`, kept in time buckets (default 10) so that adding and summing
 * cost a few array reads and never allocate: the outlier detector and the retry budget update one
 * on every request. A bucket is reused once its time has gone by, so the window slides in steps of
 * windowMs / buckets: a sum covers between (buckets − 1) and buckets bucket-widths of history.
 * Several independent series (e.g. requests and failures) share the same buckets.
 */
export class SlidingWindow {
  readonly #bucketMs: number;
  readonly #buckets: number;
  readonly #series: number;
  /** The bucket number (floor(time / bucketMs)) each slot currently holds. */
  readonly #epochs: Float64Array;
  /** slot × series + seriesIndex → count. */
  readonly #counts: Float64Array;

  /**
   * @param windowMs length of the window, in ms (> 0)
   * @param series how many independent counters each bucket holds
   * @param buckets how many slices the window is cut into (default 10)
   */
  constructor(windowMs: number, series: number, buckets = 10) {
    this.#buckets = Math.max(1, Math.floor(buckets));
    this.#bucketMs = Math.max(1, windowMs) / this.#buckets;
    this.#series = Math.max(1, Math.floor(series));
    this.#epochs = new Float64Array(this.#buckets).fill(Number.NEGATIVE_INFINITY);
    this.#counts = new Float64Array(this.#buckets * this.#series);
  }

  /** Adds `amount` to series `series` at time `now` (epoch ms). */
  add(now: number, series: number, amount = 1): void {
    const epoch = Math.floor(now / this.#bucketMs);
    const slot = epoch % this.#buckets;
    const base = slot * this.#series;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#counts.fill(0, base, base + this.#series);
    }
    this.#counts[base + series] = (this.#counts[base + series] ?? 0) + amount;
  }

  /** The total of series `series` over the window ending at `now` (epoch ms). */
  sum(now: number, series: number): number {
    const current = Math.floor(now / this.#bucketMs);
    const oldest = current - this.#buckets;
    let total = 0;
    for (let slot = 0; slot < this.#buckets; slot++) {
      const epoch = this.#epochs[slot] ?? Number.NEGATIVE_INFINITY;
      if (epoch > oldest && epoch <= current) total += this.#counts[slot * this.#series + series] ?? 0;
    }
    return total;
  }

  /** Forgets everything. */
  clear(): void {
    this.#epochs.fill(Number.NEGATIVE_INFINITY);
    this.#counts.fill(0);
  }
}
