import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type Clock, systemClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import {
  type AuditEntry,
  type AuditQuery,
  HEALTH_ACTOR,
  type HealthEvent,
  type OperatorStore,
  type Pull,
  type PullRequest,
} from '../operator-store.js';
import { migrate } from './migrations.js';
import { nativeDriverError } from './native-driver-error.js';

/** Reasons are upstream error messages at worst; cap them so one odd body cannot bloat the log. */
const MAX_REASON_CHARS = 4096;
const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

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
 * Opens (creating if needed) the operator state file at `path`; ':memory:' keeps it in memory.
 * Creates parent directories, turns on WAL (readers never block the writer) and applies pending
 * migrations. A path that cannot be opened, or a file that is not an aliasgate state database,
 * throws ConfigError naming the path; a driver whose native module cannot load throws NativeDriverError.
 *
 * Several stores may open one file (two gateway processes, or the CLI beside a running gateway):
 * writes are serialised by SQLite (busy timeout 5 s), pull()/restore() decide `changed` from the
 * file, not the mirror, and each store sees the others' pulls after reload() or listPulls().
 */
export function openSqliteOperatorStore(path: string, clock: Clock = systemClock): SqliteOperatorStore {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    db = new Database(path);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // with WAL, NORMAL loses at most the last commits on power loss, never consistency (sqlite.org/wal.html)
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SqliteOperatorStore(db, clock);
  } catch (e) {
    db?.close();
    const native = nativeDriverError(e);
    if (native) throw native;
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`cannot open operator state database ${path}: ${reason}`, { cause: e });
  }
}

export class SqliteOperatorStore implements OperatorStore {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  #pulled = new Set<string>();
  #pullsVersion = 0;
  #dataVersion = -1;
  readonly #statements;

  constructor(db: Database.Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.#statements = {
      listPulls: db.prepare<[], Pull>(
        'SELECT alias, model, by, at, reason FROM pulls ORDER BY at, alias, model',
      ),
      insertPull: db.prepare<Pull>(
        'INSERT INTO pulls (alias, model, by, at, reason) VALUES (@alias, @model, @by, @at, @reason) ' +
          'ON CONFLICT (alias, model) DO NOTHING',
      ),
      deletePull: db.prepare<[string, string]>('DELETE FROM pulls WHERE alias = ? AND model = ?'),
      insertAudit: db.prepare<Omit<AuditRow, 'id'>>(
        'INSERT INTO audit (at, actor, action, alias, model, reason, until) ' +
          'VALUES (@at, @actor, @action, @alias, @model, @reason, @until)',
      ),
      audit: db.prepare<{ alias: string | null; actions: string | null; limit: number }, AuditRow>(
        'SELECT id, at, actor, action, alias, model, reason, until FROM audit ' +
          'WHERE (@alias IS NULL OR alias = @alias) ' +
          'AND (@actions IS NULL OR action IN (SELECT value FROM json_each(@actions))) ' +
          'ORDER BY id DESC LIMIT @limit',
      ),
    };
    this.listPulls();
  }

  get pullsVersion(): number {
    return this.#pullsVersion;
  }

  listPulls(): Pull[] {
    // read the version first: a commit landing between the two reads then triggers one more reload
    this.#dataVersion = this.#readDataVersion();
    const pulls = this.#statements.listPulls.all();
    const keys = new Set(pulls.map((p) => mirrorKey(p.alias, p.model)));
    // the version moves only when the mirror does, so callers' caches survive a plain read
    if (keys.size !== this.#pulled.size || [...keys].some((k) => !this.#pulled.has(k))) {
      this.#pulled = keys;
      this.#pullsVersion++;
    }
    return pulls;
  }

  isPulled(alias: string, model: string): boolean {
    return this.#pulled.has(mirrorKey(alias, model));
  }

  pull(request: PullRequest): { changed: boolean } {
    const row = { ...checked(request), at: this.#clock.now() };
    const changed = this.#db.transaction(() => {
      if (this.#statements.insertPull.run(row).changes === 0) return false;
      this.#appendAudit(auditRow(row, 'pull'));
      return true;
    })();
    // whoever wrote it, the file now says pulled
    const key = mirrorKey(row.alias, row.model);
    if (!this.#pulled.has(key)) {
      this.#pulled.add(key);
      this.#pullsVersion++;
    }
    return { changed };
  }

  restore(request: PullRequest): { changed: boolean } {
    const row = { ...checked(request), at: this.#clock.now() };
    const changed = this.#db.transaction(() => {
      if (this.#statements.deletePull.run(row.alias, row.model).changes === 0) return false;
      this.#appendAudit(auditRow(row, 'restore'));
      return true;
    })();
    if (this.#pulled.delete(mirrorKey(row.alias, row.model))) this.#pullsVersion++;
    return { changed };
  }

  audit(query: AuditQuery = {}): AuditEntry[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_AUDIT_LIMIT), 0), MAX_AUDIT_LIMIT);
    const rows = this.#statements.audit.all({
      alias: query.alias ?? null,
      actions: query.actions ? JSON.stringify(query.actions) : null,
      limit,
    });
    return rows.map(({ until, ...rest }) => (until === null ? rest : { ...rest, until }));
  }

  recordHealthEvent(event: HealthEvent): void {
    this.#appendAudit({
      at: this.#clock.now(),
      actor: HEALTH_ACTOR,
      action: event.action,
      alias: event.alias,
      model: event.model,
      reason: event.reason,
      until: event.until ?? null,
    });
  }

  reload(): boolean {
    if (this.#readDataVersion() === this.#dataVersion) return false;
    this.listPulls();
    return true;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #appendAudit(row: Omit<AuditRow, 'id'>): void {
    this.#statements.insertAudit.run({ ...row, reason: row.reason.slice(0, MAX_REASON_CHARS) });
  }

  /** Changes whenever another connection commits to the file (sqlite.org/pragma.html#pragma_data_version). */
  #readDataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }
}

function auditRow(pull: Pull, action: 'pull' | 'restore'): Omit<AuditRow, 'id'> {
  const { at, by, alias, model, reason } = pull;
  return { at, actor: by, action, alias, model, reason, until: null };
}

function checked(request: PullRequest): PullRequest {
  for (const field of ['alias', 'model', 'by'] as const) {
    if (typeof request[field] !== 'string' || request[field] === '') {
      throw new TypeError(`${field} must be a non-empty string`);
    }
  }
  return {
    alias: request.alias,
    model: request.model,
    by: request.by,
    reason: (request.reason ?? '').slice(0, MAX_REASON_CHARS),
  };
}

function mirrorKey(alias: string, model: string): string {
  return `${alias}\u0000${model}`;
}
