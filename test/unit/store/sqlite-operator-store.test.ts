import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { isConfigError } from '../../../src/errors.js';
import { HEALTH_ACTOR, isStoreUnavailable } from '../../../src/store/operator-store.js';
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
import { runOperatorStoreContract } from '../../contract/operator-store.contract.js';

runOperatorStoreContract('sqlite :memory:', (clock) => openSqliteOperatorStore(':memory:', clock));

const contractDir = mkdtempSync(join(tmpdir(), 'aliasgate-contract-'));
let contractFiles = 0;
afterAll(() => rmSync(contractDir, { recursive: true, force: true }));
runOperatorStoreContract('sqlite file', (clock) =>
  openSqliteOperatorStore(join(contractDir, `state-${++contractFiles}.db`), clock),
);

const sentinel = { alias: 'gemini-3.5-flash', upstream: 'builds', model: 'gemini-v4p1s-rev24-ajax-sentinel' };

describe('SqliteOperatorStore on a file', () => {
  let dir: string;
  const opened: SqliteOperatorStore[] = [];
  const open = (path: string, clock = new ManualClock()) => {
    const store = openSqliteOperatorStore(path, clock);
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-store-'));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps pulls and the audit log across close and reopen', async () => {
    const path = join(dir, 'state.db');
    const first = open(path);
    await first.pull({ ...sentinel, by: 'oncall', reason: 'dead build' });
    first.append({
      actor: HEALTH_ACTOR,
      action: 'eject',
      alias: sentinel.alias,
      model: sentinel.model,
      reason: '404',
      until: 5,
    });
    await first.close();

    const second = open(path);
    expect(second.state().pulls).toMatchObject([{ ...sentinel, by: 'oncall', reason: 'dead build' }]);
    expect((await second.audit()).map((e) => e.action)).toEqual(['eject', 'pull']);
    expect(await second.pull({ ...sentinel, by: 'oncall', reason: 'again' })).toEqual({ changed: false });
  });

  it('creates missing parent directories', async () => {
    const path = join(dir, 'a', 'b', 'state.db');
    await open(path).pull({ ...sentinel, by: 'x', reason: '' });
    expect(existsSync(path)).toBe(true);
  });

  it('uses WAL and records the schema version', async () => {
    const path = join(dir, 'state.db');
    await open(path).close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: LATEST_VERSION });
    db.close();
  });

  it('lets two stores on one file see each other’s pulls after refresh()', async () => {
    const path = join(dir, 'state.db');
    const gateway = open(path);
    const cli = open(path);
    let heard = 0;
    gateway.onChange(() => heard++);
    await cli.pull({ ...sentinel, by: 'cli', reason: 'from the CLI' });
    expect(gateway.state().pulls).toEqual([]);
    gateway.refresh();
    expect(gateway.state().pulls).toMatchObject([{ ...sentinel, by: 'cli' }]);
    expect(heard).toBe(1);
    gateway.refresh();
    expect(heard).toBe(1);
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

  it('refuses an empty (0-byte) state file instead of starting with no pulls', () => {
    const path = join(dir, 'state.db');
    writeFileSync(path, '');
    expect(() => openSqliteOperatorStore(path)).toThrow(
      /is an empty file \(0 bytes\).*restore it from a backup/,
    );
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(dir, 'state.db');
    await open(path).close();
    const db = new Database(path);
    db.prepare('UPDATE schema_version SET version = ?').run(LATEST_VERSION + 1);
    db.close();
    expect(() => openSqliteOperatorStore(path)).toThrow(/newer than this aliasgate understands/);
  });

  it('keeps a pull made before pulls named their upstream, as a pull of the model on every upstream', async () => {
    const path = join(dir, 'state.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
      CREATE TABLE pulls (alias TEXT NOT NULL, model TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL,
        reason TEXT NOT NULL, PRIMARY KEY (alias, model)) WITHOUT ROWID;
      CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, alias TEXT NOT NULL, model TEXT NOT NULL, reason TEXT NOT NULL, until INTEGER);
      INSERT INTO pulls VALUES ('gemini-3.5-flash', 'gemini-v4p1s-rev24-ajax-sentinel', 'oncall', 1, 'dead');`);
    db.close();
    const store = open(path);
    expect(store.state().pulls).toEqual([
      { alias: sentinel.alias, upstream: '*', model: sentinel.model, by: 'oncall', at: 1, reason: 'dead' },
    ]);
    // restoring it on any upstream lifts it
    expect(await store.restore({ ...sentinel, by: 'x', reason: 'fixed' })).toEqual({ changed: true });
    expect(store.state().pulls).toEqual([]);
  });
});

describe('SqliteOperatorStore under store faults: never blocks, never crashes, never loses an acknowledged change', () => {
  let dir: string;
  let path: string;
  let clock: ManualClock;
  let store: SqliteOperatorStore;
  let statuses: boolean[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-faults-'));
    path = join(dir, 'state.db');
    clock = new ManualClock();
    store = openSqliteOperatorStore(path, clock);
    statuses = [];
    store.onStatusChange((s) => statuses.push(s.ok));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Another process (a backup, `sqlite3` opened by an operator) holds the write lock. */
  function lockFile(): () => void {
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    return () => {
      other.exec('COMMIT');
      other.close();
    };
  }

  /** Lets the store's retry timers run while the manual clock moves. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await new Promise((r) => setImmediate(r));
    }
  }

  it('locked: an operator action answers "cannot persist" after a moment, without holding the event loop', async () => {
    const unlock = lockFile();
    // no write ever waits for the lock on the event loop: each try fails at once and the next waits on a timer
    expect(store.testDatabase().pragma('busy_timeout', { simple: true })).toBe(0);
    const pull = store.pull({ ...sentinel, by: 'op', reason: 'x' });
    const outcome = pull.then(
      () => 'done',
      (e: unknown) => (isStoreUnavailable(e) ? (e as Error).message : 'other error'),
    );
    await advance(2500);
    expect(await outcome).toMatch(/cannot be written, so the change was not made: SQLITE_BUSY/);
    expect(store.state().pulls).toEqual([]);
    expect(store.status()).toMatchObject({ ok: false, detail: expect.stringMatching(/SQLITE_BUSY/) });
    unlock();
    // once the lock is gone the same action works
    expect(await store.pull({ ...sentinel, by: 'op', reason: 'x' })).toEqual({ changed: true });
  });

  it('locked: an action that gets the lock within its patience succeeds', async () => {
    const unlock = lockFile();
    const pull = store.pull({ ...sentinel, by: 'op', reason: 'x' });
    await advance(100);
    unlock();
    await advance(300);
    expect(await pull).toEqual({ changed: true });
  });

  it('locked: health events are queued and written once the lock is released; the outage is reported once', async () => {
    const unlock = lockFile();
    for (let i = 0; i < 3; i++) {
      store.append({ actor: HEALTH_ACTOR, action: 'eject', alias: 'a', model: `m${i}`, reason: 'x' });
    }
    await advance(1000);
    expect(store.status()).toMatchObject({ ok: false, queued: 3 });
    unlock();
    await advance(11_000);
    expect(store.status()).toEqual({ ok: true, queued: 0 });
    expect((await store.audit()).map((e) => e.model)).toEqual(['m2', 'm1', 'm0']);
    expect(statuses).toEqual([false, true]);
  });

  it('read-only: writes fail as "cannot persist", reads keep working, nothing crashes', async () => {
    await store.pull({ ...sentinel, by: 'op', reason: 'before' });
    readOnly(store, true);
    await expect(store.restore({ ...sentinel, by: 'op', reason: 'x' })).rejects.toThrow(/cannot be written/);
    store.append({ actor: HEALTH_ACTOR, action: 'eject', alias: 'a', model: 'm', reason: 'x' });
    await store.flush();
    expect(store.status()).toMatchObject({ ok: false, queued: 1 });
    expect(store.state().pulls).toHaveLength(1);
    expect((await store.audit()).map((e) => e.action)).toEqual(['pull']);
    readOnly(store, false);
    store.refresh();
    expect(store.status()).toEqual({ ok: true, queued: 0 });
  });

  it('corrupt at run time: reads and writes fail clearly, the pulls in memory still hold', async () => {
    await store.pull({ ...sentinel, by: 'op', reason: 'before' });
    await store.close();
    // a fresh store on a file that goes bad underneath it
    store = openSqliteOperatorStore(path, clock);
    store.onStatusChange((s) => statuses.push(s.ok));
    writeFileSync(path, Buffer.alloc(64 * 1024, 0x55));
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);
    await expect(store.audit()).rejects.toThrow(/cannot be read/);
    await expect(store.pull({ ...sentinel, upstream: 'other', by: 'op', reason: 'x' })).rejects.toThrow(
      /cannot be written/,
    );
    expect(store.state().pulls).toHaveLength(1);
    expect(statuses[0]).toBe(false);
  });

  it('deleted while in use: the file is recreated with the pulls this process holds', async () => {
    await store.pull({ ...sentinel, by: 'op', reason: 'dead build' });
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);
    store.refresh();
    await store.flush();
    await store.close();
    store = openSqliteOperatorStore(path, clock);
    expect(store.state().pulls).toMatchObject([{ ...sentinel, by: 'op', reason: 'dead build' }]);
    expect((await store.audit()).map((e) => e.action)).toContain('store_recreated');
  });
});

/** Simulates a read-only file or file system: SQLite then fails every write with SQLITE_READONLY. */
function readOnly(store: SqliteOperatorStore, on: boolean): void {
  (store as unknown as { testDatabase(): Database.Database })
    .testDatabase()
    .pragma(`query_only = ${on ? 1 : 0}`);
}

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
