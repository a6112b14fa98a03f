import type { Clock, Timer } from '../clock.js';

export interface WriteQueueOptions<T> {
  clock: Clock;
  /** Writes a batch, oldest first; throws when the store cannot take it (the batch is kept and retried). */
  write(items: T[]): void;
  /** Hears every attempt's result: undefined on success, the error otherwise. */
  onResult(error: unknown): void;
  /** Most items kept while the store is away; beyond it the oldest are dropped (and counted). Default 10,000. */
  limit?: number;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/**
 * Background writes that must never block or fail the caller: items are batched, written on a timer, kept and
 * retried with backoff while the store is away, and bounded so an outage cannot grow memory without end.
 */
export class WriteQueue<T> {
  readonly #opts: WriteQueueOptions<T>;
  readonly #limit: number;
  #items: T[] = [];
  #timer: Timer | undefined;
  #backoff = 0;
  #dropped = 0;
  #stopped = false;

  constructor(opts: WriteQueueOptions<T>) {
    this.#opts = opts;
    this.#limit = opts.limit ?? 10_000;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Items dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  push(item: T): void {
    if (this.#stopped) return;
    this.#items.push(item);
    if (this.#items.length > this.#limit) {
      this.#items.splice(0, this.#items.length - this.#limit);
      this.#dropped++;
    }
    if (!this.#timer) this.#schedule(this.#backoff);
  }

  /** Tries at once when something waits and no attempt is scheduled soon (the store may be back). */
  retryNow(): void {
    if (this.#items.length === 0 || this.#stopped) return;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flushNow();
  }

  /** One synchronous attempt to write everything queued. */
  flushNow(): void {
    if (this.#items.length === 0) return;
    const batch = this.#items;
    try {
      this.#opts.write(batch);
      this.#items = this.#items === batch ? [] : this.#items.slice(batch.length);
      this.#backoff = 0;
      this.#opts.onResult(undefined);
    } catch (e) {
      this.#backoff = Math.min(Math.max(this.#backoff * 2, FIRST_RETRY_MS), MAX_RETRY_MS);
      this.#opts.onResult(e);
      if (!this.#stopped) this.#schedule(this.#backoff);
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flushNow();
    }, ms);
    this.#timer.unref?.();
  }
}
