import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../clock.js';
import type { Drain, Retirement } from '../../rollout/drain.js';
import { isActive, type Rollout } from '../../rollout/plan.js';
import { auditLimit, checkedPull, MAX_REASON_CHARS, sortPulls } from '../operator-input.js';
import {
  type AuditEntry,
  type AuditInput,
  type AuditNote,
  type AuditQuery,
  describeStage,
  EMPTY_STATE,
  HEALTH_ACTOR,
  type Incident,
  type IncidentQuery,
  type OperatorState,
  type OperatorStore,
  type Pull,
  type PullRequest,
  type StageOverride,
  type StageRequest,
  type StoreStatus,
  StoreUnavailableError,
} from '../operator-store.js';
import { WriteQueue } from '../write-queue.js';
import { describeRedisError, type RedisConnection } from './connection.js';
import { LIFECYCLE, RETIRE, REVISE, STAGE } from './lifecycle-scripts.js';
import type { LuaScript } from './lua-script.js';
import { APPEND, PULL, RECONCILE, RESTORE, SEED } from './operator-scripts.js';

/** The newest entries the audit list keeps (the SQLite log keeps all; Redis holds everything in memory). */
export const AUDIT_CAP = 100_000;
/** How long the store must have been fine before listeners hear that an outage ended (a flapping link is one outage). */
const STABLE_MS = 2000;
/** Entries read per round trip while filtering the audit log. */
const AUDIT_PAGE = 500;
/** Incident episodes kept (the oldest are dropped beyond it). */
export const INCIDENT_CAP = 10_000;
/** How long a replica's step counts are kept: longer than any rollout step. */
const COUNTS_TTL_MS = 7 * 24 * 3600 * 1000;

/** What the background queue writes: audit entries, incident episodes and step counts, in order. */
type Background =
  | (AuditInput & { at: number })
  | { incident: Incident }
  | { counts: { key: string; replica: string; body: string } };

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
  readonly #queue: WriteQueue<Background>;
  readonly #stops: (() => void)[] = [];
  #state: OperatorState = EMPTY_STATE;
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

  async setStage(request: StageRequest): Promise<{ changed: boolean }> {
    const at = this.#clock.now();
    const alias = nonEmpty(request.alias, 'alias');
    const by = nonEmpty(request.by, 'by');
    const reason = (request.reason ?? '').slice(0, MAX_REASON_CHARS);
    const override: StageOverride | undefined = request.stage
      ? {
          alias,
          stage: request.stage,
          ...(request.replacement ? { replacement: request.replacement } : {}),
          ...(request.shutdown ? { shutdown: request.shutdown } : {}),
          by,
          at,
          reason,
        }
      : undefined;
    const audit = JSON.stringify({
      at,
      actor: by,
      action: 'stage',
      alias,
      model: '',
      reason: `${override ? describeStage(request) : 'back to the configured stage'}; ${reason}`,
    });
    const keys = this.#conn.keys;
    return this.#write(
      STAGE,
      [keys.stages, keys.audit, keys.auditSeq, keys.epoch],
      [alias, override ? JSON.stringify(override) : '', audit],
    );
  }

  async saveRollout(rollout: Rollout, note?: AuditNote): Promise<{ changed: boolean }> {
    return this.#revise('rollouts', rollout.id, rollout.alias, rollout.rev, rollout, isActive(rollout), {
      note,
      alias: rollout.alias,
      model: rollout.model,
    });
  }

  async saveDrain(drain: Drain, note?: AuditNote): Promise<{ changed: boolean }> {
    const group = `${drain.alias}/${drain.upstream}/${drain.model}`;
    return this.#revise('drains', drain.id, group, drain.rev, drain, drain.state === 'draining', {
      note,
      alias: drain.alias,
      model: drain.model,
    });
  }

  async rollouts(query: { alias?: string; limit?: number } = {}): Promise<Rollout[]> {
    this.#mustBeUp('read');
    const limit = auditLimit(query);
    try {
      const all = (await this.#conn.client.hvals(this.#conn.keys.records('rollouts').all)).map(
        (v) => JSON.parse(v) as Rollout,
      );
      return all
        .filter((r) => query.alias === undefined || r.alias === query.alias)
        .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
        .slice(0, limit);
    } catch (e) {
      throw this.#readFailed(e);
    }
  }

  async setRetired(retirement: Retirement, retired: boolean): Promise<{ changed: boolean }> {
    const row: Retirement = {
      upstream: nonEmpty(retirement.upstream, 'upstream'),
      model: nonEmpty(retirement.model, 'model'),
      by: nonEmpty(retirement.by, 'by'),
      at: this.#clock.now(),
      reason: (retirement.reason ?? '').slice(0, MAX_REASON_CHARS),
    };
    const audit = JSON.stringify({
      at: row.at,
      actor: row.by,
      action: retired ? 'retire' : 'unretire',
      alias: '',
      model: row.model,
      reason: `${row.upstream}/${row.model}; ${row.reason}`,
    });
    const keys = this.#conn.keys;
    return this.#write(
      RETIRE,
      [keys.retired, keys.audit, keys.auditSeq, keys.epoch],
      [`${row.upstream}/${row.model}`, retired ? JSON.stringify(row) : '', audit],
    );
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    // unlike a health check, a rollout step must never be driven twice: no Redis, no lease
    if (!this.#conn.up) return false;
    try {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      const key = this.#conn.keys.lease(name);
      const granted = await this.#conn.client.eval(
        "local h = redis.call('GET', KEYS[1]) if h and h ~= ARGV[1] then return 0 end " +
          "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1",
        1,
        key,
        holder,
        ttl,
      );
      return granted === 1;
    } catch {
      return false;
    }
  }

  reportCounts(key: string, replica: string, counts: unknown): void {
    if (this.#closed) return;
    this.#queue.push({ counts: { key, replica, body: JSON.stringify(counts) } });
  }

  async counts(key: string): Promise<unknown[]> {
    this.#mustBeUp('read');
    try {
      return (await this.#conn.client.hvals(this.#conn.keys.counts(key))).map(
        (v) => JSON.parse(v) as unknown,
      );
    } catch (e) {
      throw this.#readFailed(e);
    }
  }

  saveIncident(incident: Incident): void {
    if (this.#closed) return;
    this.#queue.push({ incident });
  }

  async incidents(query: IncidentQuery = {}): Promise<Incident[]> {
    this.#mustBeUp('read');
    const limit = auditLimit(query);
    const keys = this.#conn.keys;
    const found: Incident[] = [];
    try {
      for (let start = 0; found.length < limit; start += AUDIT_PAGE) {
        const ids = await this.#conn.client.zrevrange(keys.incidentsByStart, start, start + AUDIT_PAGE - 1);
        if (ids.length === 0) break;
        for (const value of await this.#conn.client.hmget(keys.incidents, ...ids)) {
          if (!value) continue;
          const incident = JSON.parse(value) as Incident;
          if ((query.alias === undefined || incident.alias === query.alias) && found.length < limit) {
            found.push(incident);
          }
        }
        if (ids.length < AUDIT_PAGE) break;
      }
    } catch (e) {
      throw this.#readFailed(e);
    }
    return found;
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

  /** A lifecycle write (lifecycle-scripts.ts): durable when it resolves; the mirror is read again before it does. */
  async #write(script: LuaScript, keys: string[], args: (string | number)[]): Promise<{ changed: boolean }> {
    this.#mustBeUp('written');
    const all = [...args, AUDIT_CAP, this.#conn.keys.operatorChannel, this.#owner];
    try {
      for (let attempt = 0; ; attempt++) {
        const changed = (await script.run(this.#conn.client, keys, all)) as number;
        if (changed === -1 && attempt === 0) {
          await this.#reconcileOnce();
          continue;
        }
        if (changed === -1) throw new Error('the operator state keys keep disappearing');
        if (changed === 1) await this.#reconcileOnce();
        return { changed: changed === 1 };
      }
    } catch (e) {
      throw new StoreUnavailableError(this.#failedAction(e), { cause: e });
    }
  }

  #revise(
    kind: 'rollouts' | 'drains',
    id: string,
    group: string,
    rev: number,
    record: Rollout | Drain,
    active: boolean,
    audit: { note: AuditNote | undefined; alias: string; model: string },
  ): Promise<{ changed: boolean }> {
    const keys = this.#conn.keys;
    const names = keys.records(kind);
    const note = audit.note
      ? JSON.stringify({
          at: this.#clock.now(),
          actor: audit.note.actor,
          action: audit.note.action,
          alias: audit.alias,
          model: audit.note.model ?? audit.model,
          reason: audit.note.reason.slice(0, MAX_REASON_CHARS),
        })
      : '';
    return this.#write(
      REVISE,
      [names.all, names.latest, names.active, keys.audit, keys.auditSeq, keys.epoch],
      [id, group, rev, JSON.stringify(record), active ? '1' : '0', note],
    );
  }

  #readFailed(e: unknown): StoreUnavailableError {
    return new StoreUnavailableError(
      `the operator state in redis at ${this.#conn.where} cannot be read: ${describeRedisError(e)}`,
      { cause: e },
    );
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

  async #appendNow(entries: Background[]): Promise<void> {
    if (!this.#conn.up) throw new Error(this.#conn.status().detail ?? 'redis unreachable');
    const keys = this.#conn.keys;
    const lines: string[] = [];
    const others = this.#conn.client.multi();
    let writes = 0;
    for (const e of entries) {
      if ('incident' in e) {
        others.hset(keys.incidents, e.incident.id, JSON.stringify(e.incident));
        others.zadd(keys.incidentsByStart, e.incident.startedAt, e.incident.id);
        writes++;
      } else if ('counts' in e) {
        others.hset(keys.counts(e.counts.key), e.counts.replica, e.counts.body);
        others.pexpire(keys.counts(e.counts.key), COUNTS_TTL_MS);
        writes++;
      } else {
        lines.push(
          JSON.stringify({ ...e, reason: e.reason.slice(0, MAX_REASON_CHARS) } satisfies Omit<
            AuditEntry,
            'id'
          >),
        );
      }
    }
    if (writes > 0) {
      // the oldest episodes beyond the cap go, with their index entries
      others.eval(
        "local n = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1]) if n <= 0 then return 0 end " +
          "local old = redis.call('ZRANGE', KEYS[1], 0, n - 1) redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - 1) " +
          "redis.call('HDEL', KEYS[2], unpack(old)) return n",
        2,
        keys.incidentsByStart,
        keys.incidents,
        INCIDENT_CAP,
      );
      const results = await others.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    }
    if (lines.length > 0)
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
    const pulls = found === -1 ? await this.#seed() : flat;
    const names = { r: keys.records('rollouts'), d: keys.records('drains') };
    const lifecycle = (await LIFECYCLE.run(
      this.#conn.client,
      [
        keys.stages,
        names.r.all,
        names.r.latest,
        names.r.active,
        names.d.all,
        names.d.latest,
        names.d.active,
        keys.retired,
      ],
      [],
    )) as [string[], string[], string[], string[]];
    this.#apply(pulls, lifecycle);
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
    await this.#seedLifecycle();
    return flat;
  }

  /** Stage changes, rollouts, drains and retirements this replica holds, written back where Redis has none. */
  async #seedLifecycle(): Promise<void> {
    const keys = this.#conn.keys;
    const { stages, rollouts, drains, retired } = this.#state;
    const tx = this.#conn.client.multi();
    for (const st of stages) tx.hsetnx(keys.stages, st.alias, JSON.stringify(st));
    for (const r of retired) tx.hsetnx(keys.retired, `${r.upstream}/${r.model}`, JSON.stringify(r));
    const r = keys.records('rollouts');
    for (const x of rollouts) {
      tx.hsetnx(r.all, x.id, JSON.stringify(x));
      tx.hsetnx(r.latest, x.alias, x.id);
      if (isActive(x)) tx.hsetnx(r.active, x.alias, x.id);
    }
    const d = keys.records('drains');
    for (const x of drains) {
      const group = `${x.alias}/${x.upstream}/${x.model}`;
      tx.hsetnx(d.all, x.id, JSON.stringify(x));
      tx.hsetnx(d.latest, group, x.id);
      if (x.state === 'draining') tx.hsetnx(d.active, group, x.id);
    }
    await tx.exec();
  }

  /**
   * Replaces the mirror with what Redis holds (HGETALL's flat lists; the lifecycle part as LIFECYCLE returns it, or
   * the mirror's own when only pulls were read); listeners hear real changes only.
   */
  #apply(flat: readonly string[], lifecycle?: [string[], string[], string[], string[]]): void {
    const pulls: Pull[] = [];
    for (let i = 1; i < flat.length; i += 2) pulls.push(JSON.parse(flat[i]!) as Pull);
    sortPulls(pulls);
    const next: OperatorState = lifecycle
      ? {
          pulls,
          stages: values<StageOverride>(lifecycle[0]).sort((a, b) => compare(a.alias, b.alias)),
          rollouts: lifecycle[1]
            .map((v) => JSON.parse(v) as Rollout)
            .sort((a, b) => compare(a.alias, b.alias) || a.startedAt - b.startedAt),
          drains: lifecycle[2].map((v) => JSON.parse(v) as Drain).sort((a, b) => compare(a.id, b.id)),
          retired: values<Retirement>(lifecycle[3]).sort(
            (a, b) => compare(a.upstream, b.upstream) || compare(a.model, b.model),
          ),
        }
      : { ...this.#state, pulls };
    if (JSON.stringify(next) === JSON.stringify(this.#state)) return;
    this.#state = next;
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

/** The values of HGETALL's flat list, parsed. */
function values<T>(flat: readonly string[]): T[] {
  const out: T[] = [];
  for (let i = 1; i < flat.length; i += 2) out.push(JSON.parse(flat[i]!) as T);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nonEmpty(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${field} must be a non-empty string`);
  return value;
}
