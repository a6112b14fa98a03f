import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../clock.js';
import { auditLimit, checkedPull, MAX_REASON_CHARS, sortPulls } from '../operator-input.js';
import {
  type AuditEntry,
  type AuditInput,
  type AuditQuery,
  HEALTH_ACTOR,
  type OperatorState,
  type OperatorStore,
  type Pull,
  type PullRequest,
  type StoreStatus,
  StoreUnavailableError,
} from '../operator-store.js';
import { WriteQueue } from '../write-queue.js';
import { describeRedisError, type RedisConnection } from './connection.js';
import { APPEND, PULL, RECONCILE, RESTORE, SEED } from './operator-scripts.js';

/** The newest entries the audit list keeps (the SQLite log keeps all; Redis holds everything in memory). */
export const AUDIT_CAP = 100_000;
/** How long the store must have been fine before listeners hear that an outage ended (a flapping link is one outage). */
const STABLE_MS = 2000;
/** Entries read per round trip while filtering the audit log. */
const AUDIT_PAGE = 500;

export interface RedisOperatorStoreOptions {
  clock: Clock;
  /** This replica's name, for the audit entry written when Redis had lost its data. */
  replica: string;
  /** Close the connection with the store (a store that has it to itself). */
  ownsConnection?: boolean;
}

/**
 * Operator state for a fleet, in Redis (keys.ts). `state()` is a mirror in memory: replaced by every action's answer,
 * by a reconcile when another replica's change is announced on the `operator` channel, every second (`refresh()`,
 * which catches what a lost message or a disconnection hid: the keys are the truth) and whenever the connection comes
 * back. Actions resolve once Redis has applied them and reject with StoreUnavailableError when it cannot be reached;
 * `append` goes through a bounded WriteQueue, retried with backoff while Redis is away.
 */
export class RedisOperatorStore implements OperatorStore {
  readonly #conn: RedisConnection;
  readonly #clock: Clock;
  readonly #replica: string;
  readonly #ownsConnection: boolean;
  /** Tells this store's own announcements apart from other replicas'. */
  readonly #owner = randomUUID();
  readonly #listeners = new Set<() => void>();
  readonly #statusListeners = new Set<(status: StoreStatus) => void>();
  readonly #queue: WriteQueue<AuditInput & { at: number }>;
  readonly #stops: (() => void)[] = [];
  #state: OperatorState = { pulls: [] };
  #version = 0;
  #queueTrouble: { detail: string; since: number } | undefined;
  #reconciling: Promise<void> | undefined;
  #again = false;
  #loaded = false;
  /** What listeners were last told: an outage, or that all is well. */
  #announced: 'up' | 'down' | undefined;
  #recovery: Timer | undefined;
  #closed = false;

  constructor(connection: RedisConnection, opts: RedisOperatorStoreOptions) {
    this.#conn = connection;
    this.#clock = opts.clock;
    this.#replica = opts.replica;
    this.#ownsConnection = opts.ownsConnection ?? false;
    this.#queue = new WriteQueue({
      clock: opts.clock,
      write: (entries) => this.#appendNow(entries),
      onResult: (error) => this.#noteQueue(error),
    });
    const keys = connection.keys;
    this.#stops.push(
      connection.onMessage(keys.operatorChannel, (from) => {
        if (from !== this.#owner) void this.#reconcile();
      }),
      connection.onStatus((up) => {
        if (up) {
          void this.#reconcile();
          this.#queue.retryNow();
        }
        this.#noteStatus();
      }),
    );
    if (connection.up) void this.#reconcile();
  }

  get version(): number {
    return this.#version;
  }

  state(): OperatorState {
    return this.#state;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Listeners hear every change of status(): the composition root logs an outage once and its end once. */
  onStatusChange(listener: (status: StoreStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Resolves once the pulls were read from Redis, or after `timeoutMs` if it cannot be reached (false then). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.#loaded) return true;
    if (!(await this.#conn.whenUp(timeoutMs))) {
      // said once now, so that "recovered" follows when Redis comes
      this.#noteStatus();
      return false;
    }
    await this.#reconcile();
    return this.#loaded;
  }

  async pull(request: PullRequest): Promise<{ changed: boolean }> {
    const row = { ...checkedPull(request), at: this.#clock.now() };
    const pull: Pull = { ...row };
    return this.#act(
      PULL,
      field(row.alias, row.upstream, row.model),
      JSON.stringify(pull),
      auditOf(row, 'pull'),
    );
  }

  async restore(request: PullRequest): Promise<{ changed: boolean }> {
    const row = { ...checkedPull(request), at: this.#clock.now() };
    return this.#act(
      RESTORE,
      field(row.alias, row.upstream, row.model),
      field(row.alias, '*', row.model),
      auditOf(row, 'restore'),
    );
  }

  append(entry: AuditInput): void {
    if (this.#closed) return;
    this.#queue.push({ ...entry, at: entry.at ?? this.#clock.now() });
  }

  async flush(): Promise<void> {
    await this.#queue.flushNow();
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = auditLimit(query);
    const actions = query.actions ? new Set(query.actions) : undefined;
    const wanted = (e: AuditEntry) =>
      (query.alias === undefined || e.alias === query.alias) && (!actions || actions.has(e.action));
    const found: AuditEntry[] = [];
    this.#mustBeUp('read');
    try {
      for (let start = 0; found.length < limit; start += AUDIT_PAGE) {
        const page = await this.#conn.client.lrange(this.#conn.keys.audit, start, start + AUDIT_PAGE - 1);
        for (const line of page) {
          const entry = JSON.parse(line) as AuditEntry;
          if (wanted(entry) && found.length < limit) found.push(entry);
        }
        if (page.length < AUDIT_PAGE) break;
      }
    } catch (e) {
      throw new StoreUnavailableError(
        `the operator state in redis at ${this.#conn.where} cannot be read: ${describeRedisError(e)}`,
        { cause: e },
      );
    }
    return found;
  }

  status(): StoreStatus {
    const queued = this.#queue.size;
    const link = this.#conn.status();
    if (!link.ok)
      return { ok: false, detail: link.detail ?? 'redis unreachable', since: link.since ?? 0, queued };
    if (this.#queueTrouble) return { ok: false, ...this.#queueTrouble, queued };
    return { ok: true, queued };
  }

  refresh(): void {
    if (this.#closed) return;
    if (this.#conn.up) void this.#reconcile();
    this.#queue.retryNow();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#recovery) this.#clock.clearTimeout(this.#recovery);
    if (this.#conn.up) await this.#queue.flushNow();
    this.#queue.stop();
    for (const stop of this.#stops) stop();
    await this.#reconciling;
    if (this.#ownsConnection) await this.#conn.close();
  }

  /** One operator action, durable in Redis when it resolves; written back first if Redis had lost its data. */
  async #act(
    script: typeof PULL,
    first: string,
    second: string,
    audit: Omit<AuditEntry, 'id'>,
  ): Promise<{ changed: boolean }> {
    this.#mustBeUp('written');
    const keys = this.#conn.keys;
    const args = [first, second, JSON.stringify(audit), AUDIT_CAP, keys.operatorChannel, this.#owner];
    try {
      for (let attempt = 0; ; attempt++) {
        const [changed, flat] = (await script.run(
          this.#conn.client,
          [keys.pulls, keys.audit, keys.auditSeq, keys.epoch],
          args,
        )) as [number, string[]];
        if (changed === -1 && attempt === 0) {
          await this.#reconcileOnce();
          continue;
        }
        if (changed === -1) throw new Error('the operator state keys keep disappearing');
        this.#apply(flat);
        return { changed: changed === 1 };
      }
    } catch (e) {
      throw new StoreUnavailableError(this.#failedAction(e), { cause: e });
    }
  }

  #failedAction(e: unknown): string {
    const words = describeRedisError(e);
    if (/timed out/i.test(words)) {
      return `redis at ${this.#conn.where} did not confirm the change in time, so it may or may not have been made: check \`aliasgate status\` and retry`;
    }
    return `the operator state in redis at ${this.#conn.where} cannot be written, so the change was not made: ${words}`;
  }

  #mustBeUp(what: 'read' | 'written'): void {
    if (this.#conn.up) return;
    const detail = this.#conn.status().detail ?? 'unreachable';
    throw new StoreUnavailableError(
      what === 'written'
        ? `the operator state cannot be written, so the change was not made: ${detail}`
        : `the operator state cannot be read: ${detail}`,
    );
  }

  async #appendNow(entries: (AuditInput & { at: number })[]): Promise<void> {
    if (!this.#conn.up) throw new Error(this.#conn.status().detail ?? 'redis unreachable');
    const keys = this.#conn.keys;
    const lines = entries.map((e) =>
      JSON.stringify({ ...e, reason: e.reason.slice(0, MAX_REASON_CHARS) } satisfies Omit<AuditEntry, 'id'>),
    );
    await APPEND.run(this.#conn.client, [keys.audit, keys.auditSeq], [AUDIT_CAP, ...lines]);
  }

  /** Reads the pulls again; a reconcile asked for while one runs runs once more after it (its answer may predate). */
  #reconcile(): Promise<void> {
    if (this.#reconciling) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#reconciling = (async () => {
      do {
        this.#again = false;
        await this.#reconcileOnce().catch(() => undefined);
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    if (!this.#conn.up) return;
    const keys = this.#conn.keys;
    const [found, flat] = (await RECONCILE.run(this.#conn.client, [keys.pulls, keys.epoch], [])) as [
      number,
      string[],
    ];
    this.#apply(found === -1 ? await this.#seed() : flat);
    this.#loaded = true;
  }

  /** Redis has no epoch key: a new one, or one that lost its data. Writes back the pulls this replica holds. */
  async #seed(): Promise<string[]> {
    const keys = this.#conn.keys;
    const mine = this.#state.pulls.flatMap((p) => [field(p.alias, p.upstream, p.model), JSON.stringify(p)]);
    const rewritten = JSON.stringify({
      at: this.#clock.now(),
      actor: HEALTH_ACTOR,
      action: 'store_recreated',
      alias: '',
      model: '',
      reason: `redis had lost aliasgate's state (no ${keys.epoch} key); ${this.#replica} wrote back the ${this.#state.pulls.length} pull(s) it held`,
    });
    const [, flat] = (await SEED.run(
      this.#conn.client,
      [keys.pulls, keys.epoch, keys.audit, keys.auditSeq],
      [randomUUID(), AUDIT_CAP, rewritten, keys.operatorChannel, this.#owner, ...mine],
    )) as [number, string[]];
    return flat;
  }

  /** Replaces the mirror with the pulls Redis holds (HGETALL's flat list); listeners hear real changes only. */
  #apply(flat: readonly string[]): void {
    const pulls: Pull[] = [];
    for (let i = 1; i < flat.length; i += 2) pulls.push(JSON.parse(flat[i]!) as Pull);
    sortPulls(pulls);
    if (JSON.stringify(pulls) === JSON.stringify(this.#state.pulls)) return;
    this.#state = { pulls };
    this.#version++;
    for (const listener of [...this.#listeners]) listener();
  }

  #noteQueue(error: unknown): void {
    if (error === undefined) {
      if (this.#queue.size === 0) this.#queueTrouble = undefined;
    } else if (!this.#queueTrouble) {
      this.#queueTrouble = {
        detail: `audit entries wait for redis at ${this.#conn.where}: ${describeRedisError(error)}`,
        since: this.#clock.now(),
      };
    }
    this.#noteStatus();
  }

  /**
   * Tells listeners of an outage and of its end, once each, however much the link flaps in between: the end is told
   * only after the store has been fine for STABLE_MS (status() itself answers for the moment).
   */
  #noteStatus(): void {
    const status = this.status();
    if (!status.ok) {
      if (this.#recovery) this.#clock.clearTimeout(this.#recovery);
      this.#recovery = undefined;
      if (this.#announced === 'down') return;
      this.#announced = 'down';
      for (const listener of [...this.#statusListeners]) listener(status);
      return;
    }
    // the first report is news only when it is trouble (start-up does not log "recovered")
    if (this.#announced === undefined) this.#announced = 'up';
    if (this.#announced === 'up' || this.#recovery || this.#closed) return;
    this.#recovery = this.#clock.setTimeout(() => {
      this.#recovery = undefined;
      const now = this.status();
      if (!now.ok) return;
      this.#announced = 'up';
      for (const listener of [...this.#statusListeners]) listener(now);
    }, STABLE_MS);
    this.#recovery.unref?.();
  }
}

/** An operator action's audit entry, shaped as every store shapes it. */
function auditOf(row: Pull, action: 'pull' | 'restore'): Omit<AuditEntry, 'id'> {
  return { at: row.at, actor: row.by, action, alias: row.alias, model: row.model, reason: row.reason };
}

/** The hash field of one pull: its target id (names cannot contain `/`), `*` for every upstream. */
function field(alias: string, upstream: string, model: string): string {
  return `${alias}/${upstream}/${model}`;
}
