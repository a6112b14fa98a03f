import type { Catalog } from '../catalog/catalog.js';
import type { Target } from '../catalog/target.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { HealthEvent, HealthTable } from '../health/health-table.js';
import { LocalRateLimiter, type RateLimiter } from '../limits/rate-limiter.js';
import { SharedRateLimiter } from '../limits/shared-rate-limiter.js';
import type { HealthStore } from '../store/health-store.js';
import { MemoryHealthStore } from '../store/memory/memory-health-store.js';
import type { OperatorStore, StoreStatus } from '../store/operator-store.js';
import { RedisConnection } from '../store/redis/connection.js';
import { RedisHealthStore } from '../store/redis/redis-health-store.js';
import { RedisOperatorStore } from '../store/redis/redis-operator-store.js';
import { RedisPresence } from '../store/redis/redis-presence.js';
import { RedisUsageExchange } from '../store/redis/redis-usage.js';
import { openSqliteOperatorStore } from '../store/sqlite/sqlite-operator-store.js';
import { HealthSync } from './health-sync.js';
import { replicaName } from './replica-name.js';

export interface FleetDeps {
  clock: Clock;
  /** Operator state the caller opened itself (tests); the fleet then leaves it open. */
  operator?: OperatorStore;
  /** This process's name (default: replicaName(config)). */
  replica?: string;
}

/** How long `listen()` waits at start for the fleet's pulls and ejections before serving without them. */
const START_WAIT_MS = 3000;

/**
 * Everything one replica shares with the others, built from config (`state.redis`): operator state, health decisions
 * and health-check leases, client keys' rate limits, and who is alive. Without Redis it is one replica on its own:
 * the SQLite file, health in memory, local rate limits, every lease granted. The composition root asks it for those
 * parts and tells it about health events; nothing here is on the request path.
 */
export class Fleet {
  readonly mode: 'local' | 'redis';
  readonly replica: string;
  readonly operator: OperatorStore;
  readonly health: HealthStore;
  readonly limiter: RateLimiter;
  /**
   * Whether this replica may health-check a target now: a lease held by one replica at a time, long enough for a
   * check to time out and the next to start, so its holder keeps it while it keeps checking. Undefined alone.
   */
  readonly lease: ((target: Target) => Promise<boolean>) | undefined;
  readonly #clock: Clock;
  readonly #connection: RedisConnection | undefined;
  readonly #presence: RedisPresence | undefined;
  readonly #ownsOperator: boolean;
  #sync: HealthSync | undefined;
  #closed = false;

  constructor(config: Config, deps: FleetDeps) {
    this.#clock = deps.clock;
    this.replica = deps.replica ?? replicaName(config);
    this.#ownsOperator = deps.operator === undefined;
    const redis = config.state.redis;
    if (!redis) {
      this.mode = 'local';
      this.operator = deps.operator ?? openSqliteOperatorStore(config.state.sqlitePath, deps.clock);
      this.health = new MemoryHealthStore();
      this.limiter = new LocalRateLimiter(deps.clock);
      this.lease = undefined;
      return;
    }
    this.mode = 'redis';
    const connection = new RedisConnection(redis, { clock: deps.clock, name: `aliasgate:${this.replica}` });
    this.#connection = connection;
    this.operator =
      deps.operator ?? new RedisOperatorStore(connection, { clock: deps.clock, replica: this.replica });
    const checks = config.health.healthCheck;
    this.health = new RedisHealthStore(connection, {
      clock: deps.clock,
      // an ended ejection stays in force while its checks may still run: healthyThreshold checks, each with its wait
      graceMs: checks.enabled ? (checks.intervalMs + checks.timeoutMs) * checks.healthyThreshold : 0,
      // a re-admission matters to a replica back from an outage as long as its own copy of the ejection could last
      retainMs: config.health.maxEjectionMs + config.health.maxEjectionJitterMs,
    });
    const leaseMs = checks.timeoutMs + checks.intervalMs;
    this.lease = (target) => this.health.lease(`health-check:${target.id}`, leaseMs);
    this.#presence = new RedisPresence(connection, deps.clock, this.replica);
    this.#presence.start();
    const limiter = new SharedRateLimiter({
      clock: deps.clock,
      exchange: new RedisUsageExchange(connection, deps.clock),
      replicas: () => this.replicas().length,
    });
    limiter.start();
    this.limiter = limiter;
  }

  /** The replicas alive now, this one included, sorted. */
  replicas(): string[] {
    return this.#presence?.alive() ?? [this.replica];
  }

  /** What the status page shows about the fleet. */
  describe(): { mode: 'local' | 'redis'; replicas: string[] } {
    return { mode: this.mode, replicas: this.replicas() };
  }

  stores(): { operator: StoreStatus; health: StoreStatus } {
    return { operator: this.operator.status(), health: this.health.status() };
  }

  /** Health-table options: in a fleet, its own ejections carry this replica's name. */
  tableOptions(): { replica?: string } {
    return this.mode === 'redis' ? { replica: this.replica } : {};
  }

  /** Applies the other replicas' health decisions to `table` from now on; `onEvents` hears what that changes. */
  follow(
    table: HealthTable,
    catalog: () => Catalog,
    onEvents: (events: readonly HealthEvent[]) => void,
  ): void {
    if (this.mode === 'local' || this.#sync) return;
    this.#sync = new HealthSync({
      store: this.health,
      health: table,
      catalog,
      clock: this.#clock,
      replica: this.replica,
      onEvents,
    });
    this.#sync.start();
  }

  /** Tells the other replicas of this one's own decisions among `events`. */
  share(events: readonly HealthEvent[]): void {
    this.#sync?.publish(events);
  }

  /** Waits (3 s at most) for the fleet's pulls and ejections, so a replica does not start by routing to pulled builds. */
  async ready(): Promise<void> {
    if (!(this.operator instanceof RedisOperatorStore)) return;
    if (await this.operator.ready(START_WAIT_MS)) await this.#sync?.read();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sync?.stop();
    if (this.limiter instanceof SharedRateLimiter) await this.limiter.stop();
    await this.#presence?.stop();
    if (this.#ownsOperator) await this.operator.close();
    await this.health.close();
    await this.#connection?.close();
  }
}
