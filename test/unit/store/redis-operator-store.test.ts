import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../../src/clock.js';
import { HEALTH_ACTOR, isStoreUnavailable } from '../../../src/store/operator-store.js';
import { RedisConnection } from '../../../src/store/redis/connection.js';
import { RedisOperatorStore } from '../../../src/store/redis/redis-operator-store.js';
import { runOperatorStoreContract } from '../../contract/operator-store.contract.js';
import { type RedisServer, startRedis } from '../../support/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

let prefixes = 0;
const freshPrefix = () => `test${++prefixes}:`;

async function openStore(clock: Clock, prefix = freshPrefix(), commandTimeoutMs = 1000) {
  const connection = new RedisConnection(
    { url: redis.url, keyPrefix: prefix },
    { clock, name: 'test', commandTimeoutMs },
  );
  const store = new RedisOperatorStore(connection, { clock, replica: 'test:1', ownsConnection: true });
  await store.ready(5000);
  return store;
}

runOperatorStoreContract('redis', (clock) => openStore(clock));

const sentinel = { alias: 'gemini-3.5-flash', upstream: 'builds', model: 'gemini-v4p1s-rev24-ajax-sentinel' };

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RedisOperatorStore across replicas', () => {
  const opened: RedisOperatorStore[] = [];
  const open = async (prefix: string, commandTimeoutMs?: number) => {
    const store = await openStore(systemClock, prefix, commandTimeoutMs);
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("hears another replica's pull and restore, and a replica started later reads them", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    let heard = 0;
    b.onChange(() => heard++);
    await a.pull({ ...sentinel, by: 'oncall', reason: 'dead build' });
    await until(() => b.state().pulls.length === 1, 'b to see the pull');
    expect(b.state().pulls[0]).toMatchObject({ ...sentinel, by: 'oncall', reason: 'dead build' });
    expect(heard).toBe(1);
    const late = await open(prefix);
    expect(late.state().pulls).toEqual(a.state().pulls);
    await late.restore({ ...sentinel, by: 'oncall', reason: 'fixed' });
    await until(
      () => a.state().pulls.length === 0 && b.state().pulls.length === 0,
      'the restore to reach all',
    );
    expect((await b.audit()).map((e) => e.action)).toEqual(['restore', 'pull']);
  });

  it('refuses operator actions at once while redis is away, queues appends, and catches up when it returns', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    await a.pull({ ...sentinel, by: 'oncall', reason: 'dead build' });
    const outages: boolean[] = [];
    a.onStatusChange((s) => outages.push(s.ok));

    await redis.kill();
    await until(() => !a.status().ok, 'the outage to show');
    const started = Date.now();
    const refused = await a.pull({ ...sentinel, model: 'other', by: 'oncall', reason: '' }).catch((e) => e);
    expect(isStoreUnavailable(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/not made.*redis at 127\.0\.0\.1/);
    expect(Date.now() - started).toBeLessThan(500); // refused, not left waiting for a timeout
    await expect(a.audit()).rejects.toSatisfy(isStoreUnavailable);
    a.append({ actor: HEALTH_ACTOR, action: 'eject', ...sentinel, reason: 'during the outage' });
    expect(a.status()).toMatchObject({ ok: false, queued: 1 });
    expect(a.state().pulls).toHaveLength(1); // the mirror still routes around the pulled build

    // Redis comes back empty (no persistence): the replica writes back the pull it held, and the queued entry
    await redis.restart();
    await until(() => a.status().ok && a.status().queued === 0, 'recovery', 10_000);
    const b = await open(prefix);
    expect(b.state().pulls.map((p) => p.model)).toEqual([sentinel.model]);
    const log = await b.audit();
    expect(log.map((e) => e.action).sort()).toEqual(['eject', 'store_recreated']);
    expect(log.find((e) => e.action === 'store_recreated')?.reason).toMatch(/test:1 wrote back the 1 pull/);

    // it flaps: gone again before it was fine for 2 s, then back for good; listeners hear one outage
    await redis.kill();
    await until(() => !a.status().ok, 'the second loss');
    await redis.restart();
    await until(() => a.status().ok, 'recovery', 10_000);
    await until(() => outages.length === 2, 'the end of the outage to be told', 5000);
    expect(outages).toEqual([false, true]);
  });

  it('answers a hung redis with StoreUnavailableError after the command timeout, saying the change may have been made', async () => {
    const a = await open(freshPrefix(), 200);
    redis.pause();
    try {
      const refused = await a.pull({ ...sentinel, by: 'oncall', reason: '' }).catch((e) => e);
      expect(isStoreUnavailable(refused)).toBe(true);
      expect((refused as Error).message).toMatch(/may or may not have been made/);
    } finally {
      redis.resume();
    }
    await until(() => a.status().ok, 'recovery', 10_000);
    expect((await a.pull({ ...sentinel, by: 'oncall', reason: 'again' })).changed).toBe(true);
  });
});
