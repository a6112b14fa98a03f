import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock, Timer } from '../../clock.js';
import { systemClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import type { Drain, Retirement } from '../../rollout/drain.js';
import { isActive, type Rollout } from '../../rollout/plan.js';
import { auditLimit, checkedPull, MAX_REASON_CHARS } from '../operator-input.js';
import {
  type AuditEntry,
  type AuditInput,
  type AuditNote,
  type AuditQuery,
  describeStage,
  EMPTY_STATE,
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
import { migrate } from './migrations.js';
import { nativeDriverError } from './native-driver-error.js';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  alias: string;
  model: string;
  reason: string;
  until: number | null;
}

/**
 * Opens (creating if needed) the operator state file at `path`; ':memory:' keeps it in memory. Creates parent
 * directories, turns on WAL (readers never block the writer) and applies pending migrations. A path that cannot be
 * opened, a file that is not an aliasgate state database, or an EMPTY file (0 bytes: a truncated or botched copy,
 * which would otherwise start silently with no pulls and put pulled builds back in rotation) throws ConfigError
 * naming the path; a driver whose native module cannot load throws NativeDriverError.
 *
 * Several stores may open one file (the workers of `serve --workers N`, or the CLI beside a running gateway).
 * SQLite serialises their writes; nothing here waits for a lock on the event loop (busy_timeout 0): a busy write
 * is retried on a timer instead.
 */
export function openSqliteOperatorStore(path: string, clock: Clock = systemClock): SqliteOperatorStore {
  const file = path === ':memory:' ? undefined : resolve(path);
  if (file && isEmptyFile(file)) {
    throw new ConfigError(
      `operator state database ${path} is an empty file (0 bytes), not the gateway's state: restore it from a ` +
        'backup, or delete it to start with no pulls',
    );
  }
  const db = openFile(path, file);
  return new SqliteOperatorStore(db, clock, () => (file ? openFile(path, file) : undefined), file);
}

function openFile(path: string, file: string | undefined): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (file) mkdirSync(dirname(file), { recursive: true });
    db = new Database(path);
    // at start-up (nothing served yet) waiting for another process's lock is right: workers open one new file at once
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // with WAL, NORMAL loses at most the last commits on power loss, never consistency (sqlite.org/wal.html)
    db.pragma('synchronous = NORMAL');
    migrate(db);
    // from now on the event loop never waits for a lock: a busy write is retried on a timer instead
    db.pragma('busy_timeout = 0');
    return db;
  } catch (e) {
    db?.close();
    const native = nativeDriverError(e);
    if (native) throw native;
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`cannot open operator state database ${path}: ${reason}`, { cause: e });
  }
}

function isEmptyFile(file: string): boolean {
  try {
    return statSync(file).size === 0;
  } catch {
    return false;
  }
}

/** SQLite errors that mean "someone else holds the lock right now": worth a quick retry. */
const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY']);
/** How long an operator action keeps retrying a locked file before it answers that it cannot persist. */
const ACTION_PATIENCE_MS = 2000;

export class SqliteOperatorStore implements OperatorStore {
  #db: Database.Database;
  readonly #clock: Clock;
  readonly #reopen: () => Database.Database | undefined;
  readonly #file: string | undefined;
  #inode: number | undefined;
  #state: OperatorState = EMPTY_STATE;
  #version = 0;
  #dataVersion = -1;
  #trouble: { detail: string; since: number } | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #statusListeners = new Set<(status: StoreStatus) => void>();
  readonly #queue: WriteQueue<Background>;
  #closed = false;
  /** The file no longer holds a database: nothing is written into it until an operator restores it. */
  #corrupt = false;

  constructor(
    db: Database.Database,
    clock: Clock,
    reopen: () => Database.Database | undefined,
    file?: string,
  ) {
    this.#db = db;
    this.#clock = clock;
    this.#reopen = reopen;
    this.#file = file;
    this.#inode = this.#currentInode();
    this.#queue = new WriteQueue({
      clock,
      write: (entries) =>
        this.#db.transaction(() => {
          for (const e of entries) {
            if ('incident' in e) this.#upsertIncident(e.incident);
            else if ('counts' in e) this.#upsertCounts(e);
            else this.#insertAudit(e);
          }
        })(),
      onResult: (error) => this.#note(error),
    });
    this.#readState();
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

  async pull(request: PullRequest): Promise<{ changed: boolean }> {
    const row = { ...checkedPull(request), at: this.#clock.now() };
    return this.#act(() => {
      const changed =
        this.#db
          .prepare(
            'INSERT INTO pulls (alias, upstream, model, by, at, reason) VALUES (@alias, @upstream, @model, @by, @at, @reason) ' +
              'ON CONFLICT (alias, upstream, model) DO NOTHING',
          )
          .run(row).changes > 0;
      if (changed) this.#insertAudit({ ...row, actor: row.by, action: 'pull' });
      return changed;
    });
  }

  async restore(request: PullRequest): Promise<{ changed: boolean }> {
    const row = { ...checkedPull(request), at: this.#clock.now() };
    return this.#act(() => {
      const changed =
        this.#db
          .prepare("DELETE FROM pulls WHERE alias = ? AND model = ? AND upstream IN (?, '*')")
          .run(row.alias, row.model, row.upstream).changes > 0;
      if (changed) this.#insertAudit({ ...row, actor: row.by, action: 'restore' });
      return changed;
    });
  }

  append(entry: AuditInput): void {
    if (this.#closed) return;
    this.#queue.push({ ...entry, at: entry.at ?? this.#clock.now() });
  }

  async setStage(request: StageRequest): Promise<{ changed: boolean }> {
    const at = this.#clock.now();
    const by = nonEmpty(request.by, 'by');
    const alias = nonEmpty(request.alias, 'alias');
    const reason = (request.reason ?? '').slice(0, MAX_REASON_CHARS);
    const audit = (what: string) =>
      this.#insertAudit({ at, actor: by, action: 'stage', alias, model: '', reason: `${what}; ${reason}` });
    return this.#act(() => {
      const before = this.#state.stages.find((s) => s.alias === alias);
      if (request.stage === undefined) {
        if (this.#db.prepare('DELETE FROM stages WHERE alias = ?').run(alias).changes === 0) return false;
        audit('back to the configured stage');
        return true;
      }
      const row = {
        alias,
        stage: request.stage,
        replacement: request.replacement ?? null,
        shutdown: request.shutdown ?? null,
        by,
        at,
        reason,
      };
      if (
        before &&
        before.stage === row.stage &&
        (before.replacement ?? null) === row.replacement &&
        (before.shutdown ?? null) === row.shutdown
      ) {
        return false;
      }
      this.#db
        .prepare(
          'INSERT INTO stages (alias, stage, replacement, shutdown, by, at, reason) VALUES (@alias, @stage, @replacement, @shutdown, @by, @at, @reason) ' +
            'ON CONFLICT (alias) DO UPDATE SET stage = @stage, replacement = @replacement, shutdown = @shutdown, by = @by, at = @at, reason = @reason',
        )
        .run(row);
      audit(describeStage(request));
      return true;
    });
  }

  async saveRollout(rollout: Rollout, note?: AuditNote): Promise<{ changed: boolean }> {
    return this.#revise(
      { table: 'rollouts', group: 'alias' },
      {
        id: rollout.id,
        group: rollout.alias,
        active: isActive(rollout),
        startedAt: rollout.startedAt,
        rev: rollout.rev,
      },
      rollout,
      note && { note, alias: rollout.alias, model: rollout.model },
    );
  }

  async saveDrain(drain: Drain, note?: AuditNote): Promise<{ changed: boolean }> {
    const target = `${drain.alias}/${drain.upstream}/${drain.model}`;
    return this.#revise(
      { table: 'drains', group: 'target' },
      {
        id: drain.id,
        group: target,
        active: drain.state === 'draining',
        startedAt: drain.startedAt,
        rev: drain.rev,
      },
      drain,
      note && { note, alias: drain.alias, model: drain.model },
    );
  }

  /**
   * A lifecycle record by compare-and-set: rev 1 creates it, and only while its group (an alias's rollouts, a
   * target's drains) has nothing active; rev n replaces n - 1. The audit note is written in the same transaction.
   */
  #revise(
    where: { table: 'rollouts' | 'drains'; group: 'alias' | 'target' },
    key: { id: string; group: string; active: boolean; startedAt: number; rev: number },
    record: unknown,
    audit: { note: AuditNote; alias: string; model: string } | undefined,
  ): Promise<{ changed: boolean }> {
    const { table, group } = where;
    const row = { ...key, active: key.active ? 1 : 0, body: JSON.stringify(record) };
    return this.#act(() => {
      const stored = this.#db
        .prepare<[string], { rev: number }>(`SELECT rev FROM ${table} WHERE id = ?`)
        .get(row.id);
      if (stored === undefined) {
        if (row.rev !== 1) return false;
        if (this.#db.prepare(`SELECT 1 FROM ${table} WHERE ${group} = ? AND active = 1`).get(row.group))
          return false;
        this.#db
          .prepare(
            `INSERT INTO ${table} (id, ${group}, active, started_at, rev, body) VALUES (@id, @group, @active, @startedAt, @rev, @body)`,
          )
          .run(row);
      } else {
        if (stored.rev !== row.rev - 1) return false;
        this.#db
          .prepare(`UPDATE ${table} SET active = @active, rev = @rev, body = @body WHERE id = @id`)
          .run(row);
      }
      if (audit) this.#noteAudit(audit.note, audit.alias, audit.model);
      return true;
    });
  }

  async rollouts(query: { alias?: string; limit?: number } = {}): Promise<Rollout[]> {
    const limit = auditLimit(query);
    return this.#read(() =>
      this.#db
        .prepare<{ alias: string | null; limit: number }, { body: string }>(
          'SELECT body FROM rollouts WHERE (@alias IS NULL OR alias = @alias) ORDER BY started_at DESC, id DESC LIMIT @limit',
        )
        .all({ alias: query.alias ?? null, limit })
        .map((r) => JSON.parse(r.body) as Rollout),
    );
  }

  async setRetired(retirement: Retirement, retired: boolean): Promise<{ changed: boolean }> {
    const row = {
      upstream: nonEmpty(retirement.upstream, 'upstream'),
      model: nonEmpty(retirement.model, 'model'),
      by: nonEmpty(retirement.by, 'by'),
      at: this.#clock.now(),
      reason: (retirement.reason ?? '').slice(0, MAX_REASON_CHARS),
    };
    return this.#act(() => {
      const changed = retired
        ? this.#db
            .prepare(
              'INSERT INTO retired (upstream, model, by, at, reason) VALUES (@upstream, @model, @by, @at, @reason) ON CONFLICT DO NOTHING',
            )
            .run(row).changes > 0
        : this.#db
            .prepare('DELETE FROM retired WHERE upstream = ? AND model = ?')
            .run(row.upstream, row.model).changes > 0;
      if (changed) {
        this.#insertAudit({
          at: row.at,
          actor: row.by,
          action: retired ? 'retire' : 'unretire',
          alias: '',
          model: row.model,
          reason: `${row.upstream}/${row.model}; ${row.reason}`,
        });
      }
      return changed;
    });
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    try {
      // one statement: take the lease when it is free or expired, renew it when it is ours
      const changes = this.#db
        .prepare(
          'INSERT INTO leases (name, holder, until) VALUES (@name, @holder, @until) ' +
            'ON CONFLICT (name) DO UPDATE SET holder = @holder, until = @until WHERE holder = @holder OR until < @now',
        )
        .run({ name, holder, until: now + ttlMs, now }).changes;
      return changes > 0;
    } catch (e) {
      this.#note(e);
      return false; // a store that cannot be written cannot grant a lease: nobody drives until it is back
    }
  }

  reportCounts(key: string, replica: string, counts: unknown): void {
    if (this.#closed) return;
    this.#queue.push({ counts: { key, replica, at: this.#clock.now(), body: JSON.stringify(counts) } });
  }

  async counts(key: string): Promise<unknown[]> {
    this.#queue.retryNow();
    return this.#read(() =>
      this.#db
        .prepare<[string], { body: string }>('SELECT body FROM step_counts WHERE key = ?')
        .all(key)
        .map((r) => JSON.parse(r.body) as unknown),
    );
  }

  saveIncident(incident: Incident): void {
    if (this.#closed) return;
    this.#queue.push({ incident });
  }

  async incidents(query: IncidentQuery = {}): Promise<Incident[]> {
    this.#queue.retryNow(); // read this process's own queued writes, when the file takes them now
    const limit = auditLimit(query);
    try {
      const rows = this.#db
        .prepare<{ alias: string | null; limit: number }, { body: string }>(
          'SELECT body FROM incidents WHERE (@alias IS NULL OR alias = @alias) ORDER BY started_at DESC, id DESC LIMIT @limit',
        )
        .all({ alias: query.alias ?? null, limit });
      return rows.map((r) => JSON.parse(r.body) as Incident);
    } catch (e) {
      this.#note(e);
      throw new StoreUnavailableError(`the operator state database cannot be read: ${describe(e)}`, {
        cause: e,
      });
    }
  }

  async flush(): Promise<void> {
    this.#queue.flushNow();
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    this.#queue.retryNow(); // read this process's own queued writes, when the file takes them now
    const limit = auditLimit(query);
    try {
      const rows = this.#db
        .prepare<{ alias: string | null; actions: string | null; limit: number }, AuditRow>(
          'SELECT id, at, actor, action, alias, model, reason, until FROM audit ' +
            'WHERE (@alias IS NULL OR alias = @alias) ' +
            'AND (@actions IS NULL OR action IN (SELECT value FROM json_each(@actions))) ' +
            'ORDER BY id DESC LIMIT @limit',
        )
        .all({
          alias: query.alias ?? null,
          actions: query.actions ? JSON.stringify(query.actions) : null,
          limit,
        });
      return rows.map(({ until, ...rest }) => (until === null ? rest : { ...rest, until }));
    } catch (e) {
      this.#note(e);
      throw new StoreUnavailableError(`the operator state database cannot be read: ${describe(e)}`, {
        cause: e,
      });
    }
  }

  status(): StoreStatus {
    const queued = this.#queue.size;
    return this.#trouble ? { ok: false, ...this.#trouble, queued } : { ok: true, queued };
  }

  /** Listeners hear every change of status(): the composition root logs an outage once and its end once. */
  onStatusChange(listener: (status: StoreStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  refresh(): void {
    if (this.#closed) return;
    if (this.#file && this.#inode !== undefined && this.#currentInode() !== this.#inode) this.#recreate();
    if (this.#file && !this.#corrupt && !hasSqliteHeader(this.#file)) {
      // overwritten or truncated under us: SQLite would go on serving its cache and write into a broken file
      this.#corrupt = true;
      this.#note(
        new Error(`the state file ${this.#file} no longer holds a SQLite database (corrupt or overwritten)`),
      );
    }
    if (this.#corrupt) return;
    try {
      if (this.#db.pragma('data_version', { simple: true }) !== this.#dataVersion) this.#readState();
      if (this.#queue.size === 0) this.#note(undefined);
    } catch (e) {
      this.#note(e);
    }
    this.#queue.retryNow();
  }

  /** The open connection, for fault-injection tests only (a read-only file cannot be simulated as root). */
  testDatabase(): Database.Database {
    return this.#db;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.flushNow();
    this.#queue.stop();
    if (this.#db.open) this.#db.close();
  }

  /** Runs an operator action now, retrying a locked file for a moment; durable when it resolves. */
  async #act(write: () => boolean): Promise<{ changed: boolean }> {
    if (this.#corrupt) {
      throw new StoreUnavailableError(
        'the operator state database is corrupt, so the change was not made: restore the state file from a backup',
      );
    }
    const started = this.#clock.now();
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      try {
        const changed = this.#db.transaction(write).immediate();
        this.#note(undefined);
        if (changed) this.#readState();
        return { changed };
      } catch (e) {
        this.#note(e);
        const code = (e as { code?: string }).code;
        if (!BUSY.has(code ?? '') || this.#clock.now() - started + wait > ACTION_PATIENCE_MS) {
          throw new StoreUnavailableError(
            `the operator state database cannot be written, so the change was not made: ${describe(e)}`,
            { cause: e },
          );
        }
        await sleep(this.#clock, wait);
      }
    }
  }

  /** A read for an operator: StoreUnavailableError when the file cannot be read. */
  #read<T>(work: () => T): T {
    try {
      return work();
    } catch (e) {
      this.#note(e);
      throw new StoreUnavailableError(`the operator state database cannot be read: ${describe(e)}`, {
        cause: e,
      });
    }
  }

  #noteAudit(note: AuditNote, alias: string, model: string): void {
    this.#insertAudit({
      at: this.#clock.now(),
      actor: note.actor,
      action: note.action,
      alias,
      model: note.model ?? model,
      reason: note.reason,
    });
  }

  #upsertCounts(entry: CountsEntry): void {
    this.#db
      .prepare(
        'INSERT INTO step_counts (key, replica, at, body) VALUES (@key, @replica, @at, @body) ' +
          'ON CONFLICT (key, replica) DO UPDATE SET at = @at, body = @body',
      )
      .run(entry.counts);
  }

  #upsertIncident(incident: Incident): void {
    this.#db
      .prepare(
        'INSERT INTO incidents (id, alias, started_at, ended_at, body) VALUES (@id, @alias, @startedAt, @endedAt, @body) ' +
          'ON CONFLICT (id) DO UPDATE SET ended_at = @endedAt, body = @body',
      )
      .run({
        id: incident.id,
        alias: incident.alias,
        startedAt: incident.startedAt,
        endedAt: incident.endedAt,
        body: JSON.stringify(incident),
      });
  }

  #insertAudit(entry: AuditInput & { at: number }): void {
    this.#db
      .prepare(
        'INSERT INTO audit (at, actor, action, alias, model, reason, until) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.at,
        entry.actor,
        entry.action,
        entry.alias,
        entry.model,
        entry.reason.slice(0, MAX_REASON_CHARS),
        entry.until ?? null,
      );
  }

  /** Reads pulls and stages into the mirror; the version moves only when they really changed. */
  #readState(): void {
    // read the version first: a commit landing between the two reads then triggers one more read
    this.#dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    const pulls = this.#db
      .prepare<[], Pull>(
        'SELECT alias, upstream, model, by, at, reason FROM pulls ORDER BY at, alias, upstream, model',
      )
      .all();
    const stages = this.#db
      .prepare<[], StageRow>(
        'SELECT alias, stage, replacement, shutdown, by, at, reason FROM stages ORDER BY alias',
      )
      .all()
      .map(stageOf);
    const rollouts = this.#db
      .prepare<[], { body: string }>(
        'SELECT body FROM rollouts r WHERE active = 1 OR started_at = (SELECT MAX(started_at) FROM rollouts WHERE alias = r.alias) ORDER BY alias, started_at',
      )
      .all()
      .map((r) => JSON.parse(r.body) as Rollout);
    const drains = this.#db
      .prepare<[], { body: string }>(
        'SELECT body FROM drains d WHERE active = 1 OR started_at = (SELECT MAX(started_at) FROM drains WHERE target = d.target) ORDER BY target, started_at',
      )
      .all()
      .map((r) => JSON.parse(r.body) as Drain);
    const retired = this.#db
      .prepare<[], Retirement>('SELECT upstream, model, by, at, reason FROM retired ORDER BY upstream, model')
      .all();
    const next: OperatorState = { pulls, stages, rollouts, drains, retired };
    if (samePulls(pulls, this.#state.pulls) && sameLifecycle(next, this.#state)) return;
    this.#state = next;
    this.#version++;
    for (const listener of this.#listeners) listener();
  }

  /**
   * The file was deleted or replaced while open (a cleanup script, a restore gone wrong): SQLite would go on writing
   * into the unlinked inode and everything would be lost at the next start. Open the path afresh and write the state
   * this process holds back into it.
   */
  #recreate(): void {
    let fresh: Database.Database | undefined;
    try {
      fresh = this.#reopen();
    } catch (e) {
      this.#note(e);
      return;
    }
    if (!fresh) return;
    const { pulls, stages, rollouts, drains, retired } = this.#state;
    const old = this.#db;
    this.#db = fresh;
    this.#inode = this.#currentInode();
    try {
      this.#db.transaction(() => {
        for (const p of pulls) {
          this.#db
            .prepare(
              'INSERT OR IGNORE INTO pulls (alias, upstream, model, by, at, reason) VALUES (@alias, @upstream, @model, @by, @at, @reason)',
            )
            .run(p);
        }
        for (const st of stages) {
          this.#db
            .prepare(
              'INSERT OR IGNORE INTO stages (alias, stage, replacement, shutdown, by, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
            )
            .run(st.alias, st.stage, st.replacement ?? null, st.shutdown ?? null, st.by, st.at, st.reason);
        }
        for (const r of rollouts) {
          this.#db
            .prepare(
              'INSERT OR IGNORE INTO rollouts (id, alias, active, started_at, rev, body) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(r.id, r.alias, isActive(r) ? 1 : 0, r.startedAt, r.rev, JSON.stringify(r));
        }
        for (const d of drains) {
          this.#db
            .prepare(
              'INSERT OR IGNORE INTO drains (id, target, active, started_at, rev, body) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(
              d.id,
              `${d.alias}/${d.upstream}/${d.model}`,
              d.state === 'draining' ? 1 : 0,
              d.startedAt,
              d.rev,
              JSON.stringify(d),
            );
        }
        for (const r of retired) {
          this.#db
            .prepare('INSERT OR IGNORE INTO retired (upstream, model, by, at, reason) VALUES (?, ?, ?, ?, ?)')
            .run(r.upstream, r.model, r.by, r.at, r.reason);
        }
      })();
      this.append({
        actor: 'aliasgate',
        action: 'store_recreated',
        alias: '',
        model: '',
        reason: `the state file was deleted or replaced while in use; ${pulls.length} pull(s) and ${stages.length} stage change(s) written back`,
      });
    } catch (e) {
      this.#note(e);
    }
    try {
      old.close();
    } catch {
      // the old handle's file is gone; nothing to keep
    }
  }

  #currentInode(): number | undefined {
    if (!this.#file) return undefined;
    try {
      return statSync(this.#file).ino;
    } catch {
      return -1;
    }
  }

  /** Records whether the last operation worked; listeners hear only real changes. */
  #note(error: unknown): void {
    const before = this.#trouble;
    if (error === undefined) {
      if (!before || this.#queue.size > 0) return;
      this.#trouble = undefined;
    } else {
      if (before) return;
      this.#trouble = { detail: describe(error), since: this.#clock.now() };
    }
    const status = this.status();
    for (const listener of this.#statusListeners) listener(status);
  }
}

/** What the background queue writes: audit entries, incident episodes and step counts, in order. */
type Background = (AuditInput & { at: number }) | { incident: Incident } | CountsEntry;

interface CountsEntry {
  counts: { key: string; replica: string; at: number; body: string };
}

interface StageRow {
  alias: string;
  stage: string;
  replacement: string | null;
  shutdown: string | null;
  by: string;
  at: number;
  reason: string;
}

function stageOf(row: StageRow): StageOverride {
  return {
    alias: row.alias,
    stage: row.stage as StageOverride['stage'],
    ...(row.replacement === null ? {} : { replacement: row.replacement }),
    ...(row.shutdown === null ? {} : { shutdown: row.shutdown }),
    by: row.by,
    at: row.at,
    reason: row.reason,
  };
}

function nonEmpty(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${field} must be a non-empty string`);
  return value;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/** One small read: does the file still start as every SQLite database does? */
function hasSqliteHeader(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(SQLITE_HEADER.length);
      return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
    } finally {
      closeSync(fd);
    }
  } catch {
    // gone: the inode check handles a deleted file
    return true;
  }
}

function describe(e: unknown): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  return code ? `${code}: ${message}` : message;
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer: Timer = clock.setTimeout(resolve, ms);
    timer.unref?.();
  });
}

function samePulls(a: readonly Pull[], b: readonly Pull[]): boolean {
  if (a.length !== b.length) return false;
  return a.every(
    (p, i) =>
      p.alias === b[i]!.alias &&
      p.upstream === b[i]!.upstream &&
      p.model === b[i]!.model &&
      p.by === b[i]!.by,
  );
}

/** Stages, rollouts, drains and retirements compared whole: they are small, and change only by an operator. */
function sameLifecycle(a: OperatorState, b: OperatorState): boolean {
  return (
    JSON.stringify([a.stages, a.rollouts, a.drains, a.retired]) ===
    JSON.stringify([b.stages, b.rollouts, b.drains, b.retired])
  );
}
