import type { Clock } from '../../src/clock.js';
import type { HealthStore, SharedTargetState } from '../../src/store/health-store.js';
import type { StoreStatus } from '../../src/store/operator-store.js';

/**
 * A fleet's shared health in one test process, for driving HealthSync and the checker with a ManualClock: what
 * RedisHealthStore does, minus the network. It passes the HealthStore contract itself.
 */
export class HealthHub {
  readonly #states = new Map<string, SharedTargetState>();
  readonly #leases = new Map<string, { holder: HubStore; until: number }>();
  readonly #stores = new Set<HubStore>();
  /** Everything ever published, in order (tests count what went out). */
  readonly published: SharedTargetState[] = [];
  #down = false;

  constructor(
    readonly clock: Clock,
    readonly retention: { graceMs: number; retainMs: number },
  ) {}

  get down(): boolean {
    return this.#down;
  }

  set down(down: boolean) {
    this.#down = down;
    if (!down) for (const store of this.#stores) store.flush();
  }

  open(): HubStore {
    const store = new HubStore(this);
    this.#stores.add(store);
    return store;
  }

  expiry(change: SharedTargetState): number {
    return change.state.state === 'ejected'
      ? change.state.until + this.retention.graceMs
      : change.at + this.retention.retainMs;
  }

  write(from: HubStore, change: SharedTargetState): void {
    const current = this.#states.get(change.targetId);
    if (current && current.at > change.at) return;
    this.#states.set(change.targetId, change);
    this.published.push(change);
    for (const store of this.#stores) if (store !== from) store.hear(change);
  }

  snapshot(): SharedTargetState[] {
    const now = this.clock.now();
    return [...this.#states.values()].filter((c) => this.expiry(c) > now);
  }

  lease(holder: HubStore, key: string, ttlMs: number): boolean {
    const now = this.clock.now();
    const current = this.#leases.get(key);
    if (current && current.holder !== holder && current.until > now) return false;
    this.#leases.set(key, { holder, until: now + ttlMs });
    return true;
  }

  forget(store: HubStore): void {
    this.#stores.delete(store);
  }

  clear(): void {
    this.#states.clear();
    this.#leases.clear();
  }
}

class HubStore implements HealthStore {
  readonly #listeners = new Set<(change: SharedTargetState) => void>();
  readonly #pending = new Map<string, SharedTargetState>();
  #closed = false;

  constructor(private readonly hub: HealthHub) {}

  publish(change: SharedTargetState): void {
    if (this.#closed || this.hub.expiry(change) <= this.hub.clock.now()) return;
    this.#pending.set(change.targetId, change);
    this.flush();
  }

  subscribe(listener: (change: SharedTargetState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async snapshot(): Promise<SharedTargetState[]> {
    if (this.hub.down) throw new Error('hub down');
    return this.hub.snapshot();
  }

  async lease(key: string, ttlMs: number): Promise<boolean> {
    return this.hub.down || this.hub.lease(this, key, ttlMs);
  }

  status(): StoreStatus {
    return this.hub.down
      ? { ok: false, detail: 'hub down', since: 0, queued: this.#pending.size }
      : { ok: true, queued: this.#pending.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.hub.forget(this);
  }

  flush(): void {
    if (this.hub.down) return;
    for (const change of [...this.#pending.values()].sort((a, b) => a.at - b.at))
      this.hub.write(this, change);
    this.#pending.clear();
  }

  hear(change: SharedTargetState): void {
    if (this.hub.down || this.#closed) return;
    for (const listener of [...this.#listeners]) listener(change);
  }
}
