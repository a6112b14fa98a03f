import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { configFromObject } from '../../src/config/load.js';
import { aliasHealth } from '../../src/health/alias-status.js';
import {
  HI,
  incidentConfig,
  load,
  type Stack,
  startStack,
  targetState as stateOf,
} from '../support/stack.js';

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const HEALTHY = 'gemini-3.5-flash-001';
const SIBLING_BUILD = 'gemini-2.5-flash-002';
const PATH = '/v1beta/models/gemini-3.5-flash:generateContent';
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const targetState = (s: Stack, model: string) => stateOf(s, 'gemini-3.5-flash', model);

describe('ejection, health checks and re-admission', () => {
  it('healing the dead build brings it back within the health-check interval × k', async () => {
    const clock = new ManualClock();
    const interval = 500;
    const k = 2;
    stack = await startStack({
      clock,
      healthTickMs: 1e9, // the test drives the checker itself
      config: (url) =>
        incidentConfig(url, {
          health: {
            baseEjectionMs: interval,
            maxEjectionJitterMs: 0,
            healthCheck: { intervalMs: interval, healthyThreshold: k },
          },
        }),
    });
    await load(stack.url, PATH, { total: 50, concurrency: 4 });
    expect(targetState(stack, DEAD)).toBe('ejected');

    // still dead: a failed check re-ejects, with a longer ejection
    clock.advance(interval);
    await stack.gateway.checker.tick();
    expect(targetState(stack, DEAD)).toBe('ejected');

    stack.sim.setBehaviour(DEAD, { kind: 'healthy' });
    const healedAt = clock.now();
    let readmittedAt: number | undefined;
    for (let step = 0; step < 20 && readmittedAt === undefined; step++) {
      clock.advance(interval / 5);
      await stack.gateway.checker.tick();
      if (targetState(stack, DEAD) === 'in_rotation') readmittedAt = clock.now();
    }
    expect(readmittedAt).toBeDefined();
    // the second ejection lasts 2 × base, then k checks `interval` apart
    expect(readmittedAt! - healedAt).toBeLessThanOrEqual(2 * interval + interval * (k - 1));
    const before = stack.sim.stats().requests.byBuild[DEAD] ?? 0;
    await load(stack.url, PATH, { total: 100, concurrency: 4 });
    expect(stack.sim.stats().requests.byBuild[DEAD] ?? 0).toBeGreaterThan(before + 20);
  });

  it('health checks go only to targets out of rotation', async () => {
    stack = await startStack({ healthTickMs: 5 });
    await load(stack.url, '/v1beta/models/gemini-2.5-flash:generateContent', { total: 20, concurrency: 2 });
    await new Promise((r) => setTimeout(r, 50));
    const checks = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    expect(checks).not.toMatch(/aliasgate_health_checks_total\{/);
  });

  it('breaking a healthy build mid-run causes no client-visible failure', async () => {
    stack = await startStack();
    const s = stack;
    const first = load(s.url, PATH, { total: 3000, concurrency: 16 });
    await new Promise((r) => setTimeout(r, 30));
    s.sim.setBehaviour(HEALTHY, { kind: 'transient', rate: 1, status: 503 });
    const result = await first;
    expect(result.failures.slice(0, 3)).toEqual([]);
    const after = await load(s.url, PATH, { total: 500, concurrency: 16, keepBodies: true });
    expect(after.failures).toEqual([]);
    expect(after.headers.every((h) => h['x-aliasgate-fallback'] === 'gemini-flash-latest')).toBe(true);
  });

  it('total outage: a clear 503 naming what was tried, and upstream calls stay within the retry budget', async () => {
    stack = await startStack({
      config: (url) =>
        incidentConfig(url, {
          routing: { retryBudget: { percent: 20, minRetriesPerSecond: 1, windowMs: 10_000 } },
        }),
    });
    stack.sim.setBehaviour(HEALTHY, { kind: 'transient', rate: 1, status: 503 });
    stack.sim.setBehaviour(DEAD, { kind: 'dead' });
    stack.sim.setBehaviour('gemini-flash-latest-001', { kind: 'transient', rate: 1, status: 503 });
    stack.sim.resetStats();
    const requests = 400;
    const result = await load(stack.url, PATH, { total: requests, concurrency: 8, keepBodies: true });
    expect(result.statuses.get(503)).toBe(requests);
    const body = JSON.parse(result.bodies[0]!) as {
      error: { code: number; status: string; message: string };
    };
    expect(body.error.code).toBe(503);
    expect(body.error.status).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/gemini-3\.5-flash: no target could serve/);
    const upstreamCalls = Object.values(stack.sim.stats().requests.byBuild).reduce((a, b) => a + b, 0);
    // first attempts + 20% retries + the per-second minimum over the run (a few seconds at most)
    expect(upstreamCalls).toBeLessThanOrEqual(requests * 1.2 + 10 * 1 + 10);
  });

  it('with every target of the chain ejected, a request still tries the least-bad one rather than fail untried', async () => {
    stack = await startStack();
    const path = '/v1beta/models/gemini-2.5-flash:generateContent';
    const build = SIBLING_BUILD;
    stack.sim.setBehaviour(build, { kind: 'transient', rate: 1, status: 500 });
    await load(stack.url, path, { total: 10, concurrency: 1 });
    const state = aliasHealth(stack.gateway.catalog().get('gemini-2.5-flash')!, stack.gateway.health);
    expect(state.targetsInRotation).toBe(0);
    stack.sim.setBehaviour(build, { kind: 'healthy' });
    const res = await fetch(`${stack.url}${path}`, { method: 'POST', body: HI });
    expect(res.status).toBe(200);
  });
});

describe('health checks of a model that cannot generate', () => {
  // found by the soak benchmark (bench/sections/soak.mjs): an embedding build, once ejected, was checked with
  // generateContent, which an embedding model answers 404 "not supported for generateContent" — so it never came back
  const EMBED = JSON.stringify({ content: { parts: [{ text: 'embed me' }] } });
  const scenario = {
    models: { 'sim-embedding': { builds: [{ name: 'emb-a' }, { name: 'emb-b' }] } },
  };

  it.each([
    ['learned from its Model resource', undefined],
    ['declared in the config', ['embedContent', 'batchEmbedContents']],
  ])(
    'an ejected embedding build (methods %s) is checked with embedContent and re-admitted once it heals',
    async (_how, methods) => {
      const clock = new ManualClock();
      const interval = 500;
      stack = await startStack({
        clock,
        scenario,
        healthTickMs: 1e9, // the test drives the checker itself
        config: (url) =>
          configFromObject({
            server: { host: '127.0.0.1', port: 0 },
            state: { sqlitePath: ':memory:' },
            logging: { level: 'silent' },
            upstreams: { sim: { baseUrl: url } },
            aliases: {
              embed: {
                ...(methods ? { methods } : {}),
                targets: [
                  { upstream: 'sim', model: 'emb-a' },
                  { upstream: 'sim', model: 'emb-b' },
                ],
              },
            },
            health: {
              baseEjectionMs: interval,
              maxEjectionJitterMs: 0,
              healthCheck: { intervalMs: interval, healthyThreshold: 2 },
            },
          }),
      });
      const path = '/v1beta/models/embed:embedContent';
      stack.sim.setBehaviour('emb-b', { kind: 'dead' });
      const during = await load(stack.url, path, { total: 30, concurrency: 2, body: EMBED });
      expect(during.failures).toEqual([]);
      expect(stateOf(stack!, 'embed', 'emb-b')).toBe('ejected');

      stack.sim.setBehaviour('emb-b', { kind: 'healthy' });
      for (let step = 0; step < 40 && stateOf(stack!, 'embed', 'emb-b') !== 'in_rotation'; step++) {
        clock.advance(interval / 5);
        await stack.gateway.checker.tick();
      }
      expect(stateOf(stack!, 'embed', 'emb-b')).toBe('in_rotation');
      const before = stack.sim.stats().requests.byBuild['emb-b'] ?? 0;
      const after = await load(stack.url, path, { total: 40, concurrency: 2, body: EMBED });
      expect(after.failures).toEqual([]);
      expect(stack.sim.stats().requests.byBuild['emb-b'] ?? 0).toBeGreaterThan(before + 5);
    },
  );
});

describe('per-attempt timeout', () => {
  it('a build that hangs is given up after perTryTimeoutMs and the request is served by another', async () => {
    stack = await startStack({
      config: (url) =>
        incidentConfig(url, {
          routing: { perTryTimeoutMs: 150 },
          aliases: {
            pair: {
              targets: [
                { upstream: 'sim', model: 'gemini-2.5-flash-002' },
                { upstream: 'sim', model: 'gemini-flash-latest-001' },
              ],
            },
          },
        }),
    });
    stack.sim.setBehaviour('gemini-2.5-flash-002', { kind: 'hang' });
    const started = Date.now();
    const result = await load(stack.url, '/v1beta/models/pair:generateContent', {
      total: 20,
      concurrency: 4,
      keepBodies: true,
    });
    expect(result.failures).toEqual([]);
    expect(result.headers.every((h) => h['x-aliasgate-target'] === 'sim/gemini-flash-latest-001')).toBe(true);
    // the hung attempts were cut at the timeout, not left to the client's patience
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 50));
    expect(stack.sim.stats().openRequests).toBe(0);
  });
});

describe('the client’s own deadline', () => {
  it.each(['1', '0.3'])(
    'X-Server-Timeout %s caps the attempts: over two hanging builds the client gets 504 DEADLINE_EXCEEDED after one attempt',
    async (seconds) => {
      const clock = new ManualClock();
      stack = await startStack({
        clock,
        config: (url) =>
          incidentConfig(url, {
            aliases: {
              stuck: {
                targets: [
                  { upstream: 'sim', model: 'gemini-2.5-flash-002' },
                  { upstream: 'sim', model: 'gemini-flash-latest-001' },
                ],
              },
            },
          }),
      });
      stack.sim.setBehaviour('gemini-2.5-flash-002', { kind: 'hang' });
      stack.sim.setBehaviour('gemini-flash-latest-001', { kind: 'hang' });
      const answer = fetch(`${stack.url}/v1beta/models/stuck:generateContent`, {
        method: 'POST',
        body: HI,
        headers: { 'x-server-timeout': seconds },
      });
      const s = stack;
      await until(() => s.sim.stats().openRequests === 1);
      // the attempt's timer is the client's deadline: when it fires, time is up, whatever the wall clock says
      clock.advance(Number(seconds) * 1000);
      const res = await answer;
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { status: string } }).error.status).toBe('DEADLINE_EXCEEDED');
      const calls = Object.values(stack.sim.stats().requests.byBuild).reduce((a, b) => a + b, 0);
      expect(calls).toBe(1);
    },
  );
});

/** Waits (in real time, briefly) for something the test cannot be told about directly. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
