import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, type Running, start, userEnv } from '../support/processes.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { INCIDENT, type SimServer, startSimulator } from '../support/sim.js';
import { HI } from '../support/stack.js';

/**
 * Three gateway replicas (the built program, `serve --config`, one config file) sharing a real redis-server, over one
 * simulated fleet with the incident's dead build. Ejections are short (0.4 s, then 0.8 s) so that health checks of the
 * dead build come every 0.8 s. Run `npm run build` first (npm test does).
 */

const BIN = resolve(import.meta.dirname, '../../bin/aliasgate.js');
const TOKEN = 'fleet-admin-token';
const KEY = 'fleet-client-key';
const LIMITED_KEY = 'fleet-limited-key';
const PATH = `/v1beta/models/${INCIDENT.alias}:generateContent`;
const DEAD = INCIDENT.deadBuild;
const MAX_EJECTION_MS = 800;

const CONFIG = `
server: { host: 127.0.0.1, port: 0, instanceName: "\${REPLICA}" }
admin: { host: 127.0.0.1, port: 0 }
auth:
  adminToken: ${TOKEN}
  clientKeys:
    - { name: fleet, key: ${KEY} }
    - { name: limited, key: ${LIMITED_KEY}, rateLimit: { requestsPerSecond: 10, burst: 10 } }
state: { redis: { url: "\${REDIS_URL}", keyPrefix: "fleet-test:" } }
logging: { level: info }
upstreams: { sim: { baseUrl: "\${SIM_URL}" } }
aliases:
  ${INCIDENT.alias}:
    targets:
      - { upstream: sim, model: ${INCIDENT.healthyBuild}, weight: 32 }
      - { upstream: sim, model: ${DEAD}, weight: 68 }
    fallback: [gemini-flash-latest]
  gemini-flash-latest: { targets: [{ upstream: sim, model: gemini-flash-latest }] }
health:
  baseEjectionMs: 400
  maxEjectionMs: ${MAX_EJECTION_MS}
  maxEjectionJitterMs: 0
  healthCheck: { intervalMs: 100, timeoutMs: 1000, healthyThreshold: 1 }
`;

interface Replica {
  name: string;
  url: string;
  adminUrl: string;
  process: Running;
}

let redis: RedisServer;
let sim: SimServer;
let dir: string;
let replicas: Replica[] = [];

async function startReplica(name: string, args: string[] = []): Promise<Replica> {
  const process = await start(
    globalThis.process.execPath,
    [BIN, 'serve', '--config', 'gateway.yaml', ...args],
    { cwd: dir, env: userEnv({ REPLICA: name, REDIS_URL: redis.url, SIM_URL: sim.url }) },
    /listening on (http:\/\/[^\s;]+).*admin API and dashboard on (http:\/\/\S+)/,
  );
  return { name, url: process.ready[1]!, adminUrl: process.ready[2]!, process };
}

async function admin<T>(
  replica: Replica,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${replica.adminUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

interface Status {
  fleet: { mode: string; replicas: string[] };
  store: { operator: { ok: boolean }; health: { ok: boolean } };
  aliases: { name: string; targets: { model: string; state: string; by?: string }[] }[];
}

async function deadState(replica: Replica): Promise<string> {
  const { json } = await admin<Status>(replica, '/admin/status');
  return json.aliases.find((a) => a.name === INCIDENT.alias)!.targets.find((t) => t.model === DEAD)!.state;
}

/** A counter's value summed over the series whose labels include `labels`. */
async function counter(replica: Replica, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${replica.adminUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Requests through one replica until `until()` says stop; what a client would notice. */
async function traffic(
  replica: Replica,
  opts: { concurrency: number; key?: string; until: () => boolean; spacingMs?: number },
): Promise<{ sent: number; statuses: Map<number, number>; failures: string[] }> {
  const pool = new Pool(replica.url, { connections: opts.concurrency });
  const out = { sent: 0, statuses: new Map<number, number>(), failures: [] as string[] };
  const worker = async () => {
    while (!opts.until()) {
      out.sent++;
      try {
        const res = await pool.request({
          path: PATH,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': opts.key ?? KEY },
          body: HI,
        });
        const text = await res.body.text();
        out.statuses.set(res.statusCode, (out.statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode !== 200 && res.statusCode !== 429) out.failures.push(`${res.statusCode} ${text}`);
      } catch (e) {
        out.failures.push(String(e));
      }
      if (opts.spacingMs) await sleep(opts.spacingMs);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await pool.close();
  return out;
}

async function send(replica: Replica, n: number): Promise<{ failures: string[] }> {
  let left = n;
  return traffic(replica, { concurrency: 2, until: () => left-- <= 0 });
}

async function eventually(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Epoch ms of the first JSON log line of `event` (pino's `time`), with `more` in it. */
function loggedAt(replica: Replica, event: string, more = ''): number | undefined {
  const line = replica.process
    .stdout()
    .split('\n')
    .find((l) => l.includes(`"event":"${event}"`) && l.includes(more));
  return line ? (JSON.parse(line) as { time: number }).time : undefined;
}

/** What the replicas printed last, for a failure's message. */
function lastWords(): string {
  return replicas
    .map((r) => `${r.name}:\n${r.process.stdout().slice(-1500)}\n${r.process.stderr().slice(-3000)}`)
    .join('\n');
}

/** The first log line of an ejection, its own or adopted. */
function firstEjection(replica: Replica): string | undefined {
  return replica.process
    .stdout()
    .split('\n')
    .find((l) => /"event":"ejected(_adopted)?"/.test(l));
}

function storeLines(replica: Replica): string {
  return replica.process
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"event":"store_'))
    .join('\n');
}

function count(replica: Replica, event: string): number {
  return replica.process.stdout().split(`"event":"${event}"`).length - 1;
}

const [A, B, C] = [0, 1, 2] as const;

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSimulator({});
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-fleet-'));
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG);
  replicas = await Promise.all(['replica-a', 'replica-b', 'replica-c'].map((n) => startReplica(n)));
  for (const r of replicas) {
    await eventually(
      async () => (await admin<Status>(r, '/admin/status')).json.fleet.replicas.length === 3,
      5000,
      `${r.name} to see the other two`,
    );
  }
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.process.stop()));
  killStarted();
  await sim?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three replicas over one redis', () => {
  it('an ejection on replica A reaches B and C before they fail on the dead build themselves', async () => {
    const [a, b, c] = [replicas[A]!, replicas[B]!, replicas[C]!];
    for (let i = 0; i < 30 && (await deadState(a)) === 'in_rotation'; i++) {
      expect((await send(a, 1)).failures).toEqual([]);
    }
    expect(await deadState(a)).not.toBe('in_rotation');
    const [onB, onC] = await Promise.all([send(b, 20), send(c, 20)]);
    expect([...onB.failures, ...onC.failures]).toEqual([]);

    const deadAttempts = { alias: INCIDENT.alias, model: DEAD };
    const toDead =
      (await counter(b, 'aliasgate_upstream_attempts_total', deadAttempts)) +
      (await counter(c, 'aliasgate_upstream_attempts_total', deadAttempts));
    expect(toDead).toBeLessThanOrEqual(2);
    // their first word on the dead build is A's ejection (either may later eject it again after a health check)
    for (const r of [b, c])
      expect(firstEjection(r)).toMatch(/"event":"ejected_adopted"[^\n]*"by":"replica-a"/);

    const ejectedAt = loggedAt(a, 'ejected')!;
    const heard = [loggedAt(b, 'ejected_adopted', 'replica-a'), loggedAt(c, 'ejected_adopted', 'replica-a')];
    console.info(
      `fan-out: A ejected at ${ejectedAt}; B +${heard[0]! - ejectedAt} ms, C +${heard[1]! - ejectedAt} ms; ` +
        `B and C sent ${toDead} request(s) to the dead build`,
    );
  });

  it('while the dead build stays out and no traffic flows, the fleet health-checks it as often as one replica would', async () => {
    await sleep(200);
    const before = await Promise.all(
      replicas.map((r) => counter(r, 'aliasgate_health_checks_total', { model: DEAD })),
    );
    sim.resetStats();
    const windowMs = 3000;
    await sleep(windowMs);
    const toDead = sim.stats().requests.byBuild[DEAD] ?? 0;
    const after = await Promise.all(
      replicas.map((r) => counter(r, 'aliasgate_health_checks_total', { model: DEAD })),
    );
    const perReplica = after.map((n, i) => n - before[i]!);
    // one replica alone: one check per ejection (0.8 s) → about 3.75 in 3 s; unleased, three replicas make ~11
    const alone = windowMs / MAX_EJECTION_MS;
    console.info(
      `health checks in ${windowMs} ms: ${toDead} (per replica ${perReplica.join(', ')}); alone ≈ ${alone}`,
    );
    expect(toDead).toBeGreaterThanOrEqual(2);
    expect(toDead).toBeLessThanOrEqual(Math.ceil(alone * 1.5));
  });

  it("a pull through B's admin API holds on A and C within a second, and after every replica restarts", async () => {
    const [a, b, c] = [replicas[A]!, replicas[B]!, replicas[C]!];
    const pulled = await admin<{ changed: boolean }>(b, '/admin/pull', {
      alias: INCIDENT.alias,
      model: DEAD,
      reason: 'decommissioned build',
      by: 'oncall',
    });
    expect(pulled).toEqual({ status: 200, json: expect.objectContaining({ changed: true }) });
    const answered = Date.now();
    await Promise.all(
      [a, c].map((r) =>
        eventually(async () => (await deadState(r)) === 'pulled', 1000, `${r.name} to apply it`),
      ),
    );
    console.info(`pull applied on A and C within ${Date.now() - answered} ms`);

    await Promise.all(replicas.map((r) => r.process.stop()));
    // C comes back as two workers of one `serve --workers 2`: each is a replica of its own
    replicas = await Promise.all([
      startReplica('replica-a'),
      startReplica('replica-b'),
      startReplica('replica-c', ['--workers', '2']),
    ]);
    await eventually(
      async () => (await admin<Status>(replicas[C]!, '/admin/status')).json.store.operator.ok,
      5000,
      'the second worker',
    );
    for (const r of replicas) expect(await deadState(r)).toBe('pulled');
    sim.resetStats();
    for (const r of replicas) expect((await send(r, 20)).failures).toEqual([]);
    expect(sim.stats().requests.byBuild[DEAD] ?? 0).toBe(0);
  });

  it("holds a client key's rate limit for the fleet, not per replica", async () => {
    const started = Date.now();
    const runs = await Promise.all(
      replicas.map((r) =>
        traffic(r, {
          concurrency: 1,
          key: LIMITED_KEY,
          spacingMs: 40,
          until: () => Date.now() - started > 2000,
        }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const admitted = runs.reduce((n, r) => n + (r.statuses.get(200) ?? 0), 0);
    const refused = runs.reduce((n, r) => n + (r.statuses.get(429) ?? 0), 0);
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    // the key allows 10/s with a burst of 10: ~30 over 2 s for the fleet; per replica it would be ~90
    const allowed = 10 + 10 * seconds;
    console.info(
      `rate limit: ${admitted} admitted, ${refused} refused in ${seconds.toFixed(2)} s; allowed ≈ ${allowed}; ` +
        `per replica ${runs.map((r) => `${r.statuses.get(200) ?? 0}/${r.sent}`).join(' ')}`,
    );
    expect(admitted).toBeGreaterThanOrEqual(allowed * 0.6);
    expect(admitted).toBeLessThanOrEqual(allowed * 1.5);
  });

  it('a rollout started on A is honoured by every replica within a second, and decided once over all their counts', async () => {
    const NEW = 'gemini-2.5-flash-002';
    const started = await admin<{ id: string }>(replicas[A]!, '/admin/rollouts', {
      alias: INCIDENT.alias,
      model: NEW,
      upstream: 'sim',
      steps: '50,100',
      interval: '2s',
      minRequests: 20,
      reason: 'fleet rollout',
      by: 'oncall',
    });
    expect(started.status).toBe(200);
    const id = started.json.id;
    const asked = Date.now();
    for (const r of replicas) {
      await eventually(
        async () => {
          sim.resetStats();
          await send(r, 10);
          return (sim.stats().requests.byBuild[NEW] ?? 0) > 0;
        },
        1500,
        `${r.name} to route to the new build`,
      );
    }
    console.info(`rollout honoured by every replica within ${Date.now() - asked} ms`);
    // traffic through every replica until the rollout is done
    let done = false;
    const load = replicas.map((r) => traffic(r, { concurrency: 2, spacingMs: 5, until: () => done }));
    await eventually(
      async () => {
        const { json } = await admin<{ rollouts: { state: string }[] }>(
          replicas[B]!,
          `/admin/rollouts?alias=${INCIDENT.alias}`,
        );
        return json.rollouts[0]?.state === 'succeeded';
      },
      15_000,
      'the rollout to succeed',
    ).finally(() => {
      done = true;
    });
    const runs = await Promise.all(load);
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    // every replica reported its counts of the first step; the holder of the lease read them all
    const probe = new Redis(redis.url);
    const reporters = await probe.hlen(`fleet-test:counts:${id}#0`).finally(() => probe.quit());
    expect(reporters).toBeGreaterThanOrEqual(3);
    // each decision was made once, by one replica, whatever the others were doing
    const { json } = await admin<{ entries: { action: string; actor: string; reason: string }[] }>(
      replicas[C]!,
      '/admin/audit?limit=1000',
    );
    const decisions = json.entries.filter((e) => e.action === 'rollout' && e.reason.startsWith(id));
    expect(decisions.filter((e) => e.reason.includes(': to 100%')).length).toBe(1);
    expect(decisions.filter((e) => e.reason.includes(': succeeded')).length).toBe(1);
    const step = decisions.find((e) => e.reason.includes(': to 100%'))!.reason;
    const seen = Number(/candidate \d+\/(\d+) failed/.exec(step)?.[1]);
    expect(seen).toBeGreaterThanOrEqual(20);
  });

  it('keeps serving with no failures when redis dies mid-load, and the replicas agree again once it is back', async () => {
    const started = Date.now();
    const running = replicas.map((r) =>
      traffic(r, { concurrency: 2, until: () => Date.now() - started > 3000 }),
    );
    await sleep(500);
    await redis.kill();
    await sleep(1000);
    await redis.restart(); // empty: nothing was saved
    const runs = await Promise.all(running);
    expect(runs.flatMap((r) => r.failures).slice(0, 5), lastWords()).toEqual([]);
    expect(runs.every((r) => r.sent > 20)).toBe(true);

    for (const r of replicas) {
      await eventually(
        async () => {
          const { json } = await admin<Status>(r, '/admin/status');
          return json.store.operator.ok && json.store.health.ok && json.fleet.replicas.length === 4;
        },
        10_000,
        `${r.name} to be back in the fleet`,
      );
      // the pull survived Redis losing its data: the replicas wrote back what they held
      expect(await deadState(r)).toBe('pulled');
    }
    for (const r of replicas) {
      const workers = r.name === 'replica-c' ? 2 : 1;
      // the end of an outage is told once the store has been fine for 2 s
      await eventually(
        async () => count(r, 'store_recovered') >= workers,
        5000,
        `${r.name} to log the recovery`,
      );
      const said = storeLines(r);
      expect(count(r, 'store_unavailable'), said).toBe(workers);
      expect(count(r, 'store_recovered'), said).toBe(workers);
      expect(r.process.stdout()).not.toMatch(/unhandled rejection/);
    }
    // and a change made now reaches all of them again
    const restored = await admin<{ changed: boolean }>(replicas[A]!, '/admin/restore', {
      alias: INCIDENT.alias,
      model: DEAD,
      reason: 'rebuilt',
      by: 'oncall',
    });
    expect(restored.json.changed).toBe(true);
    for (const r of replicas) {
      await eventually(async () => (await deadState(r)) !== 'pulled', 1000, `${r.name} to apply the restore`);
    }
  });
});
