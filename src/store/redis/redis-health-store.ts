import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../clock.js';
import type { HealthStore, SharedTargetState } from '../health-store.js';
import { type StoreStatus, StoreUnavailableError } from '../operator-store.js';
import { describeRedisError, type RedisConnection } from './connection.js';
import { LEASE, PUBLISH_STATE, SNAPSHOT } from './health-scripts.js';

export interface RedisHealthStoreOptions {
  clock: Clock;
  /**
   * How long an ejection stays in force after its `until`, ms: the target is then out and being health-checked
   * until the replica holding the lease publishes the outcome. A replica that starts in that time still keeps it out.
   */
  graceMs: number;
  /** How long any other decision (a re-admission) is kept for replicas that come back, ms. */
  retainMs: number;
  ownsConnection?: boolean;
}

interface Message {
  from: string;
  change: SharedTargetState;
}

/**
 * Shared health in Redis (keys.ts): each decision is written to its target's key, with an expiry when it stops being
 * in force (the truth, read by `snapshot()`), and announced on the `health` channel (for speed). Publishing never
 * waits: decisions made while Redis is away wait in memory, the newest per target, and go out when it returns.
 * Leases are granted by Redis to one holder at a time; while Redis is away every replica is granted its own.
 */
export class RedisHealthStore implements HealthStore {
  readonly #conn: RedisConnection;
  readonly #opts: RedisHealthStoreOptions;
  readonly #owner = randomUUID();
  readonly #listeners = new Set<(change: SharedTargetState) => void>();
  /** Decisions not yet written, newest per target. */
  readonly #pending = new Map<string, SharedTargetState>();
  readonly #stops: (() => void)[] = [];
  #flushing = false;
  #retry: Timer | undefined;
  #closed = false;

  constructor(connection: RedisConnection, opts: RedisHealthStoreOptions) {
    this.#conn = connection;
    this.#opts = opts;
    this.#stops.push(
      connection.onMessage(connection.keys.healthChannel, (text) => this.#hear(text)),
      connection.onStatus((up) => {
        if (up) void this.#flush();
      }),
    );
  }

  publish(change: SharedTargetState): void {
    if (this.#closed || this.#expiry(change) <= this.#opts.clock.now()) return;
    const queued = this.#pending.get(change.targetId);
    if (!queued || queued.at <= change.at) this.#pending.set(change.targetId, change);
    void this.#flush();
  }

  subscribe(listener: (change: SharedTargetState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async snapshot(): Promise<SharedTargetState[]> {
    if (!this.#conn.up) {
      throw new StoreUnavailableError(this.#conn.status().detail ?? 'redis unreachable');
    }
    const keys = this.#conn.keys;
    let values: string[];
    try {
      values = (await SNAPSHOT.run(this.#conn.client, [keys.healthIndex], [keys.healthPrefix])) as string[];
    } catch (e) {
      throw new StoreUnavailableError(`redis at ${this.#conn.where}: ${describeRedisError(e)}`, { cause: e });
    }
    const now = this.#opts.clock.now();
    return values
      .map((v) => JSON.parse(v) as SharedTargetState)
      .filter((change) => this.#expiry(change) > now);
  }

  async lease(key: string, ttlMs: number): Promise<boolean> {
    if (!this.#conn.up) return true;
    const now = this.#opts.clock.now();
    const ttl = Math.max(1, Math.ceil(ttlMs));
    try {
      const granted = await LEASE.run(
        this.#conn.client,
        [this.#conn.keys.lease(key)],
        [this.#owner, now, String(now + ttl), ttl],
      );
      return granted === 1;
    } catch {
      // Redis failing now is Redis away: check on our own rather than leave the target unchecked
      return true;
    }
  }

  status(): StoreStatus {
    const queued = this.#pending.size;
    const link = this.#conn.status();
    return link.ok
      ? { ok: true, queued }
      : { ok: false, detail: link.detail ?? 'redis unreachable', since: link.since ?? 0, queued };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) this.#opts.clock.clearTimeout(this.#retry);
    await this.#flush(true);
    for (const stop of this.#stops) stop();
    this.#listeners.clear();
    if (this.#opts.ownsConnection) await this.#conn.close();
  }

  /** When a decision stops being in force: an ejection's end plus the time its checks take; else its retention. */
  #expiry(change: SharedTargetState): number {
    return change.state.state === 'ejected'
      ? change.state.until + this.#opts.graceMs
      : change.at + this.#opts.retainMs;
  }

  /** Writes pending decisions, oldest first; what fails stays pending until the connection comes back. */
  async #flush(closing = false): Promise<void> {
    if (this.#flushing || (this.#closed && !closing)) return;
    this.#flushing = true;
    try {
      while (this.#conn.up && this.#pending.size > 0) {
        const [change] = [...this.#pending.values()].sort((a, b) => a.at - b.at);
        if (!change) break;
        try {
          await this.#write(change);
        } catch {
          this.#retryLater();
          return;
        }
        if (this.#pending.get(change.targetId) === change) this.#pending.delete(change.targetId);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** A write failed with the connection still up (a timeout, an error reply): try again in a second. */
  #retryLater(): void {
    if (this.#retry || this.#closed) return;
    this.#retry = this.#opts.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.#flush();
    }, 1000);
    this.#retry.unref?.();
  }

  async #write(change: SharedTargetState): Promise<void> {
    const ttl = this.#expiry(change) - this.#opts.clock.now();
    if (ttl <= 0) return;
    const keys = this.#conn.keys;
    const json = JSON.stringify(change);
    const message = JSON.stringify({ from: this.#owner, change } satisfies Message);
    await PUBLISH_STATE.run(
      this.#conn.client,
      [keys.health(change.targetId), keys.healthIndex],
      [json, change.at, Math.ceil(ttl), keys.healthChannel, message, change.targetId],
    );
  }

  #hear(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.from === this.#owner || !message.change) return;
    for (const listener of [...this.#listeners]) listener(message.change);
  }
}
