import { afterEach, describe, expect, it } from 'vitest';
import { HI, load, type Stack, startStack } from '../support/stack.js';

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('provider mode: the dead build is pulled out of rotation by real traffic', () => {
  it('10,000 generateContent calls at concurrency 32: no client-visible failure, dead build sees ≤ 20 requests', async () => {
    stack = await startStack();
    const result = await load(stack.url, '/v1beta/models/gemini-3.5-flash:generateContent', {
      total: 10_000,
      concurrency: 32,
    });
    expect(result.failures.slice(0, 3)).toEqual([]);
    expect(result.statuses.get(200)).toBe(10_000);
    const byBuild = stack.sim.stats().requests.byBuild;
    expect(byBuild[DEAD] ?? 0).toBeGreaterThan(0);
    expect(byBuild[DEAD] ?? 0).toBeLessThanOrEqual(20);
  });

  it('the same with streamGenerateContent?alt=sse', async () => {
    stack = await startStack();
    const result = await load(stack.url, '/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse', {
      total: 10_000,
      concurrency: 32,
      sse: true,
    });
    expect(result.failures.slice(0, 3)).toEqual([]);
    expect(stack.sim.stats().requests.byBuild[DEAD] ?? 0).toBeLessThanOrEqual(20);
  });
});

describe('client mode: the only target is the provider alias that fails 68% of the time', () => {
  it('10,000 calls: no client-visible failure; answers a sibling served say so', async () => {
    stack = await startStack();
    const result = await load(stack.url, '/v1beta/models/gemini-3.5-flash-client:generateContent', {
      total: 10_000,
      concurrency: 32,
      keepBodies: true,
    });
    expect(result.failures.slice(0, 3)).toEqual([]);
    const byFallback = result.headers.filter((h) => h['x-aliasgate-fallback'] === 'gemini-flash-latest');
    expect(byFallback.length).toBeGreaterThan(0);
    for (const h of byFallback) expect(h['x-aliasgate-target']).toBe('sim/gemini-flash-latest');
    const direct = result.headers.filter((h) => h['x-aliasgate-fallback'] === undefined);
    for (const h of direct) expect(h['x-aliasgate-target']).toBe('sim/gemini-3.5-flash');
  });
});

describe('answers that are the client’s own', () => {
  it('a 400 INVALID_ARGUMENT reaches the client unchanged after exactly one upstream attempt', async () => {
    stack = await startStack();
    // valid JSON the upstream refuses (malformed JSON never leaves the gateway: see the next test)
    const bad = '{"contents": []}';
    const direct = await fetch(`${stack.sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bad,
    });
    const directBody = await direct.text();
    stack.sim.resetStats();
    const res = await fetch(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bad,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(directBody);
    expect(res.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    expect(res.headers.get('x-aliasgate-attempts')).toBe('1');
    expect(stack.sim.stats().requests.total).toBe(1);
  });

  it('a body that is not JSON gets 400 INVALID_ARGUMENT from the gateway without calling upstream', async () => {
    stack = await startStack();
    stack.sim.resetStats();
    const res = await fetch(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"contents": [ this is not json',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(/^Invalid JSON payload received\./);
    expect(stack.sim.stats().requests.total).toBe(0);
  });

  it('an unknown alias gets 404 NOT_FOUND at once, naming the configured aliases, without calling upstream', async () => {
    stack = await startStack();
    const res = await fetch(`${stack.url}/v1beta/models/gemini-9-ultra:generateContent`, {
      method: 'POST',
      body: HI,
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    expect(body.error.status).toBe('NOT_FOUND');
    expect(body.error.message).toContain('gemini-9-ultra');
    expect(body.error.message).toContain('gemini-3.5-flash');
    expect(stack.sim.stats().requests.byBuild).toEqual({});
  });

  it('a deprecated alias still works and names its replacement in a warning header', async () => {
    stack = await startStack();
    const res = await fetch(`${stack.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      body: HI,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toContain('gemini-2.5-flash');
    expect(res.headers.get('sunset')).toBe('Thu, 31 Dec 2026 00:00:00 GMT');
  });
});
