import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { isConfigError } from '../../../src/errors.js';
import {
  LATEST_VERSION,
  type Migration,
  migrate,
  SchemaTooNewError,
} from '../../../src/store/sqlite/migrations.js';
import {
  openSqliteOperatorStore,
  type SqliteOperatorStore,
} from '../../../src/store/sqlite/sqlite-operator-store.js';
import { runOperatorStoreContract } from './operator-store.contract.js';

runOperatorStoreContract('sqlite :memory:', (clock) => openSqliteOperatorStore(':memory:', clock));

const contractDir = mkdtempSync(join(tmpdir(), 'aliasgate-contract-'));
let contractFiles = 0;
afterAll(() => rmSync(contractDir, { recursive: true, force: true }));
runOperatorStoreContract('sqlite file', (clock) =>
  openSqliteOperatorStore(join(contractDir, `state-${++contractFiles}.db`), clock),
);

describe('SqliteOperatorStore on a file', () => {
  let dir: string;
  const opened: SqliteOperatorStore[] = [];
  const open = (path: string, clock = new ManualClock()) => {
    const store = openSqliteOperatorStore(path, clock);
    opened.push(store);
    return store;
  };
  const sentinel = { alias: 'gemini-3.5-flash', model: 'gemini-v4p1s-rev24-ajax-sentinel' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-store-'));
  });
  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps pulls and the audit log across close and reopen', () => {
    const path = join(dir, 'state.db');
    const first = open(path);
    first.pull({ ...sentinel, by: 'oncall', reason: 'dead build' });
    first.recordHealthEvent({ action: 'eject', ...sentinel, reason: '404', until: 5 });
    first.close();

    const second = open(path);
    expect(second.isPulled(sentinel.alias, sentinel.model)).toBe(true);
    expect(second.listPulls()).toMatchObject([{ ...sentinel, by: 'oncall', reason: 'dead build' }]);
    expect(second.audit().map((e) => e.action)).toEqual(['eject', 'pull']);
    expect(second.pull({ ...sentinel, by: 'oncall', reason: 'again' })).toEqual({ changed: false });
  });

  it('creates missing parent directories', () => {
    const path = join(dir, 'a', 'b', 'state.db');
    open(path).pull({ ...sentinel, by: 'x', reason: '' });
    expect(open(path).isPulled(sentinel.alias, sentinel.model)).toBe(true);
  });

  it('uses WAL and records the schema version', () => {
    const path = join(dir, 'state.db');
    open(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: LATEST_VERSION }]);
    } finally {
      db.close();
    }
  });

  it('lets two stores on one file see each other’s pulls after reload()', () => {
    const path = join(dir, 'state.db');
    const gateway = open(path);
    const cli = open(path);
    expect(cli.pull({ ...sentinel, by: 'cli', reason: 'dead' })).toEqual({ changed: true });
    // the gateway's mirror is stale until it reloads; pull() still consults the file
    expect(gateway.isPulled(sentinel.alias, sentinel.model)).toBe(false);
    expect(gateway.pull({ ...sentinel, by: 'gw', reason: 'dup' })).toEqual({ changed: false });
    expect(gateway.isPulled(sentinel.alias, sentinel.model)).toBe(true);

    expect(gateway.restore({ ...sentinel, by: 'gw', reason: 'fixed' })).toEqual({ changed: true });
    expect(cli.isPulled(sentinel.alias, sentinel.model)).toBe(true);
    expect(cli.reload()).toBe(true);
    expect(cli.isPulled(sentinel.alias, sentinel.model)).toBe(false);
    expect(cli.reload()).toBe(false);
    expect(cli.audit().map((e) => [e.action, e.actor])).toEqual([
      ['restore', 'gw'],
      ['pull', 'cli'],
    ]);
  });

  it('fails clearly on a path it cannot open', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const attempt = () => openSqliteOperatorStore(join(file, 'state.db'));
    expect(attempt).toThrow(`cannot open operator state database ${join(file, 'state.db')}:`);
    try {
      attempt();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
    }
    expect(() => openSqliteOperatorStore(dir)).toThrow(`cannot open operator state database ${dir}:`);
  });

  it('fails clearly on a file that is not a database', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are not the pages you are looking for '.repeat(100));
    expect(() => openSqliteOperatorStore(path)).toThrow(
      /cannot open operator state database .*notes\.txt: file is not a database/,
    );
  });

  it('refuses a file written by a newer schema', () => {
    const path = join(dir, 'state.db');
    open(path).close();
    const db = new Database(path);
    db.prepare('UPDATE schema_version SET version = ?').run(LATEST_VERSION + 1);
    db.close();
    expect(() => openSqliteOperatorStore(path)).toThrow(/newer than this aliasgate understands/);
  });
});

describe('migrate', () => {
  const steps: Migration[] = [
    { version: 1, sql: 'CREATE TABLE t (a INTEGER)' },
    { version: 2, sql: 'ALTER TABLE t ADD COLUMN b INTEGER' },
  ];

  it('applies every step to an empty database and reports it started from 0', () => {
    const db = new Database(':memory:');
    expect(migrate(db, steps)).toBe(0);
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 2 }]);
    expect(db.prepare('INSERT INTO t (a, b) VALUES (1, 2)').run().changes).toBe(1);
    db.close();
  });

  it('applies only the steps a database lacks, and nothing twice', () => {
    const db = new Database(':memory:');
    migrate(db, steps.slice(0, 1));
    db.prepare('INSERT INTO t (a) VALUES (7)').run();
    expect(migrate(db, steps)).toBe(1);
    expect(migrate(db, steps)).toBe(2);
    expect(db.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 7, b: null }]);
    db.close();
  });

  it('leaves the database untouched when a step fails', () => {
    const db = new Database(':memory:');
    migrate(db, steps.slice(0, 1));
    expect(() => migrate(db, [...steps, { version: 3, sql: 'THIS IS NOT SQL' }])).toThrow();
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 1 }]);
    expect(db.prepare("SELECT name FROM pragma_table_info('t')").all()).toEqual([{ name: 'a' }]);
    db.close();
  });

  it('throws SchemaTooNewError for a newer database', () => {
    const db = new Database(':memory:');
    migrate(db, steps);
    expect(() => migrate(db, steps.slice(0, 1))).toThrow(SchemaTooNewError);
    db.close();
  });
});

describe('pullsVersion', () => {
  it('moves on every change to the pulls a caller may have cached, including another process’s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aliasgate-version-'));
    try {
      const file = join(dir, 'state.db');
      const store = openSqliteOperatorStore(file);
      const other = openSqliteOperatorStore(file);
      const v0 = store.pullsVersion;
      store.pull({ alias: 'a', model: 'm', by: 'x', reason: '' });
      const v1 = store.pullsVersion;
      expect(v1).not.toBe(v0);
      // reading changes nothing, so it must not invalidate what callers derived from the pulls
      store.listPulls();
      store.pull({ alias: 'a', model: 'm', by: 'x', reason: 'again' });
      expect(store.pullsVersion).toBe(v1);
      other.restore({ alias: 'a', model: 'm', by: 'y', reason: '' });
      expect(store.pullsVersion).toBe(v1);
      expect(store.reload()).toBe(true);
      expect(store.pullsVersion).not.toBe(v1);
      expect(store.isPulled('a', 'm')).toBe(false);
      store.close();
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
