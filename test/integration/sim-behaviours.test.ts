import { ApiError, GoogleGenAI } from '@google/genai';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { oneBuild, type SimServer, withSim } from '../support/sim.js';

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });
const UNARY = '/v1beta/models/sim-model:generateContent';
const SSE = '/v1beta/models/sim-model:streamGenerateContent?alt=sse';
const ARRAY = '/v1beta/models/sim-model:streamGenerateContent';

/** Reads a response until it ends or breaks; what arrived before a break is kept. */
async function readAll(
  sim: SimServer,
  path: string,
): Promise<{ status: number; contentType: string; text: string; broke: boolean }> {
  const res = await request(`${sim.url}${path}`, {
    method: 'POST',
    body: HI,
    headers: { 'content-type': 'application/json' },
  });
  let text = '';
  let broke = false;
  try {
    for await (const chunk of res.body) text += chunk.toString();
  } catch {
    broke = true;
  }
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text, broke };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const sdk = (sim: SimServer) =>
  new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim.url, apiVersion: 'v1beta' } });

describe('behaviours on the wire', () => {
  it('overloaded: 429 RESOURCE_EXHAUSTED with RetryInfo retryDelay', async () => {
    await withSim({ scenario: oneBuild({ kind: 'overloaded', retryDelayMs: 2500 }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.status).toBe(429);
      const error = JSON.parse(r.text).error;
      expect(error.status).toBe('RESOURCE_EXHAUSTED');
      expect(error.details).toContainEqual({
        '@type': 'type.googleapis.com/google.rpc.RetryInfo',
        retryDelay: '2.5s',
      });
    });
  });

  it('transient: the configured 5xx at the configured rate, healthy otherwise', async () => {
    await withSim({ scenario: oneBuild({ kind: 'transient', status: 500, rate: 0.5 }) }, async (sim) => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await readAll(sim, UNARY)).status);
      expect(new Set(statuses)).toEqual(new Set([200, 500]));
      const failed = statuses.filter((s) => s === 500).length;
      expect(failed).toBeGreaterThan(8);
      expect(failed).toBeLessThan(32);
    });
  });

  it('reset: the connection is destroyed with no answer', async () => {
    await withSim({ scenario: oneBuild({ kind: 'reset' }) }, async (sim) => {
      await expect(request(`${sim.url}${UNARY}`, { method: 'POST', body: HI })).rejects.toThrow();
    });
  });

  it('malformed: 200 whose body is not JSON', async () => {
    await withSim({ scenario: oneBuild({ kind: 'malformed' }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/json; charset=UTF-8');
      expect(() => JSON.parse(r.text)).toThrow(SyntaxError);
      await expect(sdk(sim).models.generateContent({ model: 'sim-model', contents: 'hi' })).rejects.toThrow();
    });
  });

  it('streamCut: the socket dies after afterChunks events, with no closing', async () => {
    await withSim({ scenario: oneBuild({ kind: 'streamCut', afterChunks: 2 }) }, async (sim) => {
      const sse = await readAll(sim, SSE);
      expect(sse.status).toBe(200);
      expect(sse.broke).toBe(true);
      expect(sse.text.split('\r\n\r\n').filter(Boolean)).toHaveLength(2);
      const array = await readAll(sim, ARRAY);
      expect(array.broke).toBe(true);
      expect(array.text.endsWith('\r\n]')).toBe(false);
      // unary methods cannot be cut mid-way: they are reset
      await expect(request(`${sim.url}${UNARY}`, { method: 'POST', body: HI })).rejects.toThrow();
    });
  });

  it('streamError: events, then Google’s bare error object (docs/wire.md §7.3), which the SDK raises as ApiError', async () => {
    await withSim(
      { scenario: oneBuild({ kind: 'streamError', afterChunks: 1, status: 503 }) },
      async (sim) => {
        const raw = await readAll(sim, SSE);
        expect(raw.broke).toBe(false);
        const [event, bare] = raw.text.split('\r\n\r\n');
        expect(event).toMatch(/^data: \{/);
        expect(bare).toMatch(/^\{\n {2}"error": \{\n {4}"code": 503,/);

        const seen: string[] = [];
        const error = await (async () => {
          for await (const chunk of await sdk(sim).models.generateContentStream({
            model: 'sim-model',
            contents: 'hi',
          })) {
            seen.push(chunk.text ?? '');
          }
        })().catch((e: unknown) => e);
        expect(seen).toHaveLength(1);
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).status).toBe(503);

        const array = await readAll(sim, ARRAY);
        const parsed = JSON.parse(array.text);
        expect(parsed).toHaveLength(2);
        expect(parsed[1].error.code).toBe(503);
      },
    );
  });

  it('hang: no answer until the client leaves; the request is counted open meanwhile', async () => {
    await withSim({ scenario: oneBuild({ kind: 'hang' }) }, async (sim) => {
      const abort = new AbortController();
      const pending = request(`${sim.url}${UNARY}`, { method: 'POST', body: HI, signal: abort.signal }).catch(
        (e) => e,
      );
      await until(() => sim.stats().openRequests === 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(sim.stats().openRequests).toBe(1);
      const aborted = Date.now();
      abort.abort();
      await until(() => sim.stats().openRequests === 0, 100);
      expect(Date.now() - aborted).toBeLessThan(100);
      expect(await pending).toBeInstanceOf(Error);
    });
  });

  it('a slow stream stops and frees its request as soon as the client aborts', async () => {
    await withSim(
      { scenario: oneBuild({ kind: 'healthy' }, { streamChunks: 20, chunkIntervalMs: 50 }) },
      async (sim) => {
        const abort = new AbortController();
        const res = await request(`${sim.url}${SSE}`, { method: 'POST', body: HI, signal: abort.signal });
        const first = await res.body[Symbol.asyncIterator]().next();
        expect(String(first.value)).toMatch(/^data: /);
        expect(sim.stats().openRequests).toBe(1);
        abort.abort();
        await until(() => sim.stats().openRequests === 0, 100);
      },
    );
  });

  it('latency: nothing arrives before the clock has moved by the build’s latency', async () => {
    const clock = new ManualClock();
    await withSim(
      { clock, scenario: oneBuild({ kind: 'healthy' }, { latency: { ms: 1000 } }) },
      async (sim) => {
        let done = false;
        const pending = readAll(sim, UNARY).finally(() => {
          done = true;
        });
        await until(() => sim.stats().openRequests === 1);
        await new Promise((r) => setTimeout(r, 30));
        clock.advance(999);
        await new Promise((r) => setTimeout(r, 20));
        expect(done).toBe(false);
        clock.advance(1);
        expect((await pending).status).toBe(200);
      },
    );
  });

  it('latency applies to failures too (a slow 404)', async () => {
    const clock = new ManualClock();
    await withSim({ clock, scenario: oneBuild({ kind: 'dead' }, { latency: 500 }) }, async (sim) => {
      let done = false;
      const pending = readAll(sim, UNARY).finally(() => {
        done = true;
      });
      await until(() => sim.stats().openRequests === 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(done).toBe(false);
      clock.advance(500);
      expect((await pending).status).toBe(404);
    });
  });

  it('close() ends hung connections at once', async () => {
    await withSim({ scenario: oneBuild({ kind: 'hang' }) }, async (sim) => {
      const pending = request(`${sim.url}${UNARY}`, { method: 'POST', body: HI }).catch((e) => e);
      await until(() => sim.stats().openRequests === 1);
      const started = Date.now();
      await sim.close();
      expect(Date.now() - started).toBeLessThan(500);
      expect(await pending).toBeInstanceOf(Error);
    });
  });
});
