import type { Clock, Timer } from '../clock.js';

export interface WriteQueueOptions<T> {
  clock: Clock;
  /**
   * Writes a batch, oldest first; throws (or rejects) when the store cannot take it: the batch is kept and retried.
   * A store on the network returns a promise; the queue then has one batch in flight at a time.
   */
  write(items: T[]): void | Promise<void>;
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
  #inFlight: Promise<void> | undefined;
  /** Items of the batch in flight. */
  #flying = 0;

  constructor(opts: WriteQueueOptions<T>) {
    this.#opts = opts;
    this.#limit = opts.limit ?? 10_000;
  }

  /** Items waiting, the batch in flight included. */
  get size(): number {
    return this.#items.length + this.#flying;
  }

  /** Items dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  push(item: T): void {
    if (this.#stopped) return;
    this.#items.push(item);
    this.#bound();
    if (!this.#timer && !this.#inFlight) this.#schedule(this.#backoff);
  }

  /** Tries at once when something waits and no attempt is scheduled soon (the store may be back). */
  retryNow(): void {
    if (this.#items.length === 0 || this.#stopped) return;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flushNow();
  }

  /**
   * One attempt to write everything queued: done when it returns for a synchronous store; for an asynchronous one
   * the promise settles when the attempt (and one already in flight before it) has, and never rejects.
   */
  flushNow(): void | Promise<void> {
    if (this.#inFlight) return this.#inFlight.then(() => this.flushNow());
    if (this.#items.length === 0) return;
    const batch = this.#items;
    let pending: void | Promise<void>;
    try {
      pending = this.#opts.write(batch);
    } catch (e) {
      this.#failed(e);
      return;
    }
    if (pending === undefined) {
      this.#items = this.#items === batch ? [] : this.#items.slice(batch.length);
      this.#succeeded();
      return;
    }
    // off the queue while in flight: pushes meanwhile land behind it, and a failure puts it back in front
    this.#items = [];
    this.#flying = batch.length;
    this.#inFlight = pending.then(
      () => {
        this.#landed();
        this.#succeeded();
        if (this.#items.length > 0 && !this.#timer && !this.#stopped) this.#schedule(0);
      },
      (e: unknown) => {
        this.#landed();
        this.#items = [...batch, ...this.#items];
        this.#bound();
        this.#failed(e);
      },
    );
    return this.#inFlight;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #landed(): void {
    this.#inFlight = undefined;
    this.#flying = 0;
  }

  #succeeded(): void {
    this.#backoff = 0;
    this.#opts.onResult(undefined);
  }

  #failed(error: unknown): void {
    this.#backoff = Math.min(Math.max(this.#backoff * 2, FIRST_RETRY_MS), MAX_RETRY_MS);
    this.#opts.onResult(error);
    if (!this.#stopped && !this.#timer) this.#schedule(this.#backoff);
  }

  /** Drops the oldest items beyond the limit, counting each time it has to. */
  #bound(): void {
    if (this.#items.length <= this.#limit) return;
    this.#items.splice(0, this.#items.length - this.#limit);
    this.#dropped++;
  }

  #schedule(ms: number): void {
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flushNow();
    }, ms);
    this.#timer.unref?.();
  }
}
