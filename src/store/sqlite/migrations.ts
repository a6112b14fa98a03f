import type Database from 'better-sqlite3';

/**
 * The operator-state schema as an ordered list of steps. A file records the last step applied in
 * `schema_version`; opening it applies the rest, in one transaction. Never edit a shipped step:
 * append a new one.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE pulls (
        alias  TEXT NOT NULL,
        model  TEXT NOT NULL,
        by     TEXT NOT NULL,
        at     INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (alias, model)
      ) WITHOUT ROWID;
      -- AUTOINCREMENT: ids are never reused, so "newest first" is "highest id first" even if the clock steps back
      CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     INTEGER NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        alias  TEXT NOT NULL,
        model  TEXT NOT NULL,
        reason TEXT NOT NULL,
        until  INTEGER
      );
      CREATE INDEX audit_by_alias ON audit (alias, id);
    `,
  },
  {
    // pulls name their upstream (a pull is of one target: alias/upstream/model); pulls made before say '*', every
    // upstream's, which is what they meant
    version: 2,
    sql: `
      CREATE TABLE pulls_v2 (
        alias    TEXT NOT NULL,
        upstream TEXT NOT NULL,
        model    TEXT NOT NULL,
        by       TEXT NOT NULL,
        at       INTEGER NOT NULL,
        reason   TEXT NOT NULL,
        PRIMARY KEY (alias, upstream, model)
      ) WITHOUT ROWID;
      INSERT INTO pulls_v2 (alias, upstream, model, by, at, reason) SELECT alias, '*', model, by, at, reason FROM pulls;
      DROP TABLE pulls;
      ALTER TABLE pulls_v2 RENAME TO pulls;
    `,
  },
  {
    // operators' lifecycle changes of aliases, and the incident history (one row per ejection episode; its counts
    // and messages as JSON, since only the whole episode is ever read)
    version: 3,
    sql: `
      CREATE TABLE stages (
        alias       TEXT PRIMARY KEY,
        stage       TEXT NOT NULL,
        replacement TEXT,
        shutdown    TEXT,
        by          TEXT NOT NULL,
        at          INTEGER NOT NULL,
        reason      TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE incidents (
        id         TEXT PRIMARY KEY,
        alias      TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at   INTEGER,
        body       TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX incidents_by_start ON incidents (started_at);
    `,
  },
  {
    // the build lifecycle: rollouts and drains as whole JSON records revised by compare-and-set on rev, retired
    // builds, the lease one replica holds to drive them, and each replica's counts of a rollout step
    version: 4,
    sql: `
      CREATE TABLE rollouts (
        id         TEXT PRIMARY KEY,
        alias      TEXT NOT NULL,
        active     INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        rev        INTEGER NOT NULL,
        body       TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX rollouts_by_alias ON rollouts (alias, started_at);
      CREATE TABLE drains (
        id         TEXT PRIMARY KEY,
        target     TEXT NOT NULL,
        active     INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        rev        INTEGER NOT NULL,
        body       TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX drains_by_target ON drains (target, started_at);
      CREATE TABLE retired (
        upstream TEXT NOT NULL,
        model    TEXT NOT NULL,
        by       TEXT NOT NULL,
        at       INTEGER NOT NULL,
        reason   TEXT NOT NULL,
        PRIMARY KEY (upstream, model)
      ) WITHOUT ROWID;
      CREATE TABLE leases (
        name   TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until  INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE step_counts (
        key     TEXT NOT NULL,
        replica TEXT NOT NULL,
        at      INTEGER NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (key, replica)
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(readonly found: number) {
    super(`schema version ${found} is newer than this aliasgate understands (${LATEST_VERSION})`);
  }
}

/** Brings `db` to LATEST_VERSION; returns the version it started from (0 for an empty file). */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const readVersion = db.prepare<[], { version: number }>('SELECT version FROM schema_version');
  // IMMEDIATE takes the write lock before reading the version, so two processes opening one new file
  // cannot both apply step 1
  const run = db.transaction(() => {
    const current = readVersion.get()?.version ?? 0;
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > latest) throw new SchemaTooNewError(current);
    for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
      if (step.version > current) db.exec(step.sql);
    }
    if (current === 0) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(latest);
    else if (latest > current) db.prepare('UPDATE schema_version SET version = ?').run(latest);
    return current;
  });
  return run.immediate();
}
