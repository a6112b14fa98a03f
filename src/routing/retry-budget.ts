import type { Clock } from '../clock.js';
import type { RoutingConfig } from '../config/schema.js';
import { SlidingWindow } from '../health/sliding-window.js';

/** The config's `routing.retryBudget`: its schema documents each field, unit and default. */
export type RetryBudgetOptions = RoutingConfig['retryBudget'];

const REQUESTS = 0;
const RETRIES = 1;

/**
 * A retry budget in Finagle's style (`RetryBudget`: percentCanRetry 0.2, minRetriesPerSec 10,
 * ttl 10 s), Envoy's `retry_budget` in spirit: retries may add at most `percent`% on top of client
 * requests, plus a small fixed allowance. So when every target of an alias is down, the gateway
 * sends the provider about 1.2× the client load, not maxAttempts×.
 *
 * In the last `windowMs`, a retry is allowed while
 *   retries < minRetriesPerSecond × windowMs / 1000 + percent% × requests.
 * Counts live in a bucketed sliding window (health/sliding-window.ts), so they expire on their own.
 */
export class RetryBudget {
  readonly #opts: RetryBudgetOptions;
  readonly #clock: Clock;
  readonly #window: SlidingWindow;
  readonly #reserve: number;

  constructor(opts: RetryBudgetOptions, clock: Clock) {
    this.#opts = opts;
    this.#clock = clock;
    this.#window = new SlidingWindow(opts.windowMs, 2);
    this.#reserve = (opts.minRetriesPerSecond * opts.windowMs) / 1000;
  }

  /** One client request arrived: it deposits percent% of a retry. */
  recordRequest(): void {
    this.#window.add(this.#clock.now(), REQUESTS);
  }

  /** Withdraws one retry if the budget allows it; false means "do not retry, answer the client". */
  tryRetry(): boolean {
    const now = this.#clock.now();
    if (this.#window.sum(now, RETRIES) >= this.#allowance(now)) return false;
    this.#window.add(now, RETRIES);
    return true;
  }

  /** Retries still allowed right now (rounded down), for status pages and metrics. */
  available(): number {
    const now = this.#clock.now();
    return Math.max(0, Math.floor(this.#allowance(now) - this.#window.sum(now, RETRIES)));
  }

  #allowance(now: number): number {
    return this.#reserve + (this.#opts.percent / 100) * this.#window.sum(now, REQUESTS);
  }
}
