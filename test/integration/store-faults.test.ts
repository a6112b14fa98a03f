import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import {
  openSqliteOperatorStore,
  type SqliteOperatorStore,
} from '../../src/store/sqlite/sqlite-operator-store.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startSimulator } from '../support/sim.js';
import { incidentConfig, load, type Sim } from '../support/stack.js';

/**
 * Issue 9: a store fault never reaches a client. With the state file locked by another process, corrupted,
 * read-only or deleted, every client request is still served, the dead build is still ejected, an operator action
 * that cannot be persisted answers a clear 503, /healthz and /metrics say so, and nothing crashes.
 */
const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const PATH = '/v1beta/models/gemini-3.5-flash:generateContent';

let dir: string;
let file: string;
let sim: Sim;
let store: SqliteOperatorStore;
let gateway: Gateway;
let url: string;
let adminUrl: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-store-faults-'));
  file = join(dir, 'state.db');
  sim = await startSimulator({ seed: 13 });
  store = openSqliteOperatorStore(file);
  gateway = createGateway(incidentConfig(sim.url, { state: { sqlitePath: file } }), {
    operator: store,
    random: seededRandom(13),
    log: createLogger('silent'),
    openAdmin: true,
  });
  ({ url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 }));
});

afterEach(async () => {
  await gateway.close();
  await store.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const pull = (model: string) =>
  fetch(`${adminUrl}/admin/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ alias: 'gemini-3.5-flash', model, reason: 'test', by: 'op' }),
  });

const faults: [string, () => () => void][] = [
  [
    'locked by another process (a backup, sqlite3 opened by an operator)',
    () => {
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      return () => {
        other.exec('COMMIT');
        other.close();
      };
    },
  ],
  [
    'read-only',
    () => {
      store.testDatabase().pragma('query_only = 1');
      return () => store.testDatabase().pragma('query_only = 0');
    },
  ],
];

describe('store faults never reach clients', () => {
  it.each(faults)(
    '%s: clients served, the dead build ejected, a pull answers 503, healthz and metrics tell',
    async (_name, inflict) => {
      const heal = inflict();
      const result = await load(url, PATH, { total: 200, concurrency: 8 });
      expect(result.failures).toEqual([]);
      const dead = sim.stats().requests.byBuild[DEAD] ?? 0;
      expect(dead).toBeGreaterThan(0);
      expect(dead).toBeLessThanOrEqual(10);

      const refused = await pull('gemini-3.5-flash-001');
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /cannot be written, so the change was not made/,
      );
      const health = (await (await fetch(`${adminUrl}/healthz`)).json()) as {
        status: string;
        store: { operator: { ok: boolean; queued: number } };
      };
      expect(health.status).toBe('degraded');
      expect(health.store.operator.ok).toBe(false);
      expect(health.store.operator.queued).toBeGreaterThan(0);
      expect(await (await fetch(`${adminUrl}/metrics`)).text()).toMatch(
        /aliasgate_store_up\{store="operator"\} 0/,
      );

      // once the store is back, what was queued is written and the operator can act again
      heal();
      store.refresh();
      await store.flush();
      expect(store.status()).toEqual({ ok: true, queued: 0 });
      const audit = await store.audit({ actions: ['eject'] });
      expect(audit.map((e) => e.model)).toContain(DEAD);
      expect((await pull('gemini-3.5-flash-001')).status).toBe(200);
    },
  );

  it('corrupted at run time: clients served, the pulls in memory still hold, a pull answers 503', async () => {
    expect((await pull(DEAD)).status).toBe(200);
    writeFileSync(file, Buffer.alloc(64 * 1024, 0x55));
    store.refresh(); // what the gateway does every second
    sim.resetStats();
    const result = await load(url, PATH, { total: 100, concurrency: 8 });
    expect(result.failures).toEqual([]);
    expect(sim.stats().requests.byBuild[DEAD] ?? 0).toBe(0);
    const refused = await pull('gemini-3.5-flash-001');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/corrupt/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`${adminUrl}/healthz`)).json()) as { status: string }).status).toBe(
      'degraded',
    );
  });

  it('deleted while in use: the file is written again with the pulls, and they survive a restart', async () => {
    expect((await pull(DEAD)).status).toBe(200);
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) unlinkSync(file + suffix);
    store.refresh();
    const result = await load(url, PATH, { total: 50, concurrency: 4 });
    expect(result.failures).toEqual([]);
    await gateway.close();
    await store.close();
    store = openSqliteOperatorStore(file);
    expect(store.state().pulls.map((p) => p.model)).toEqual([DEAD]);
    gateway = createGateway(incidentConfig(sim.url, { state: { sqlitePath: file } }), {
      operator: store,
      random: seededRandom(13),
      log: createLogger('silent'),
      openAdmin: true,
    });
    ({ url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 }));
  });
});
