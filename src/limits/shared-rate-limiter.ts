import type { Clock, Timer } from '../clock.js';
import type { RateLimiter } from './rate-limiter.js';
import { type Bucket, type Rate, refill, waitFor } from './token-bucket.js';
import type { Usage, UsageExchange } from './usage-exchange.js';

export interface SharedRateLimiterOptions {
  clock: Clock;
  exchange: UsageExchange;
  /** Replicas alive now, this one included (at least 1). */
  replicas(): number;
  /** How often counts are pooled, ms. Default 250. */
  syncMs?: number;
}

/** One client key's use, as this replica knows it. */
interface KeyUsage {
  rate: Rate;
  /** This replica's part of the key's recent demand (1/replicas while the fleet cannot be heard). */
  share: number;
  /** Requests seen here and by the others in each of the last exchanges, newest last. */
  demand: { mine: number; others: number }[];
  /** This replica's bucket: the key's rate and burst times its share. */
  local: Bucket | undefined;
  /** The whole fleet's bucket: refilled at the key's rate, drained by every replica's admissions. */
  fleet: Bucket | undefined;
  /** Counts not yet pooled. */
  pending: Usage;
  /** The other replicas' totals at the last exchange; undefined until the first, and after an outage. */
  others: Usage | undefined;
  usedAt: number;
}

/** Exchanges over which this replica's share of a key's demand is measured (2 s at 250 ms). */
const DEMAND_WINDOW = 8;
/** A key not used here for this long is forgotten (once its counts are pooled). */
const IDLE_MS = 30_000;

/**
 * A client key's rate limit held for the whole fleet without a round trip per request (README "Fleet mode").
 *
 * Each replica admits locally, from two token buckets: its own, refilled at the key's rate times this replica's share
 * of the key's demand, and its copy of the fleet's, refilled at the key's rate and drained by every replica's
 * admissions. Every `syncMs` it pools its counts in Redis, learns the others' (admitted and seen), takes their
 * admissions out of its copy, and sets its share to its part of the demand over the last 2 s (never below
 * 1/replicas: a replica that traffic moves to is not starved while the window catches up). The shares
 * split the rate fairly and sum to about 1; the fleet copy stops a fleet whose shares briefly sum to more from
 * admitting more than the key's rate for longer than an exchange or two. So the fleet's sustained rate is the key's
 * rate, not the rate times the replicas (LiteLLM #27736).
 *
 * While the exchange fails (or has not answered for a while, or not yet) each replica enforces rate ÷ replicas and
 * burst ÷ replicas on its own, with the replica count last heard; counts from that time are not charged afterwards.
 */
export class SharedRateLimiter implements RateLimiter {
  readonly #opts: SharedRateLimiterOptions;
  readonly #syncMs: number;
  readonly #keys = new Map<string, KeyUsage>();
  #lastExchange = Number.NEGATIVE_INFINITY;
  #timer: Timer | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(opts: SharedRateLimiterOptions) {
    this.#opts = opts;
    this.#syncMs = opts.syncMs ?? 250;
  }

  take(key: string, rate: Rate): number {
    const now = this.#opts.clock.now();
    const usage = this.#usage(key, rate, now);
    const alone = this.#alone(now);
    if (alone) {
      usage.share = 1 / this.#replicas();
      usage.others = undefined;
      usage.demand = [];
    } else {
      usage.pending.seen++;
    }
    const mine = scaled(rate, usage.share);
    const local = refill(usage.local, mine, now);
    const fleet = refill(usage.fleet, rate, now);
    usage.local = local;
    usage.fleet = fleet;
    const waitMs = Math.max(waitFor(local, mine), waitFor(fleet, rate));
    if (waitMs > 0) return waitMs;
    local.tokens -= 1;
    fleet.tokens -= 1;
    if (!alone) usage.pending.admitted++;
    return 0;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    await this.#running;
  }

  /** One exchange with the fleet; never rejects (a failure leaves this replica on its own share). */
  sync(): Promise<void> {
    this.#running ??= this.#exchange().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #exchange(): Promise<void> {
    this.#forgetIdle(this.#opts.clock.now());
    if (this.#keys.size === 0) {
      this.#lastExchange = this.#opts.clock.now();
      return;
    }
    const sent = new Map<string, Usage>();
    for (const [key, usage] of this.#keys) sent.set(key, { ...usage.pending });
    let others: Map<string, Usage>;
    try {
      others = await this.#opts.exchange.exchange(sent);
    } catch {
      return;
    }
    const now = this.#opts.clock.now();
    this.#lastExchange = now;
    for (const [key, counted] of sent) {
      const usage = this.#keys.get(key);
      if (!usage) continue;
      usage.pending.admitted -= counted.admitted;
      usage.pending.seen -= counted.seen;
      this.#pool(usage, counted, others.get(key) ?? { admitted: 0, seen: 0 }, now);
    }
  }

  /** Charges the others' admissions since the last exchange to the fleet copy, and updates this replica's share. */
  #pool(usage: KeyUsage, mine: Usage, others: Usage, now: number): void {
    const before = usage.others;
    usage.others = others;
    // the first exchange (or the first after an outage) only sets where the others' totals stand
    if (!before) return;
    const admitted = Math.max(0, others.admitted - before.admitted);
    const seen = Math.max(0, others.seen - before.seen);
    const fleet = refill(usage.fleet, usage.rate, now);
    usage.fleet = { tokens: fleet.tokens - admitted, at: now };
    usage.demand.push({ mine: mine.seen, others: seen });
    if (usage.demand.length > DEMAND_WINDOW) usage.demand.shift();
    let ours = 0;
    let all = 0;
    for (const d of usage.demand) {
      ours += d.mine;
      all += d.mine + d.others;
    }
    if (all > 0) usage.share = Math.max(1 / this.#replicas(), ours / all);
  }

  #usage(key: string, rate: Rate, now: number): KeyUsage {
    let usage = this.#keys.get(key);
    if (!usage) {
      usage = {
        rate,
        share: 1 / this.#replicas(),
        demand: [],
        local: undefined,
        fleet: undefined,
        pending: { admitted: 0, seen: 0 },
        others: undefined,
        usedAt: now,
      };
      this.#keys.set(key, usage);
    }
    usage.rate = rate;
    usage.usedAt = now;
    return usage;
  }

  /** On its own: the fleet has not answered within a few exchanges (or ever). */
  #alone(now: number): boolean {
    return now - this.#lastExchange > Math.max(4 * this.#syncMs, 2000);
  }

  #replicas(): number {
    return Math.max(1, this.#opts.replicas());
  }

  #forgetIdle(now: number): void {
    for (const [key, usage] of this.#keys) {
      if (now - usage.usedAt > IDLE_MS && usage.pending.seen === 0) this.#keys.delete(key);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#opts.clock.setTimeout(() => {
      void this.sync().finally(() => this.#schedule());
    }, this.#syncMs);
    this.#timer.unref?.();
  }
}

/** A replica's part of a key's rate: `share` of the rate and of the burst (at least one request). */
function scaled(rate: Rate, share: number): Rate {
  return { requestsPerSecond: rate.requestsPerSecond * share, burst: Math.max(1, rate.burst * share) };
}
