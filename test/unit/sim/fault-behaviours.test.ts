import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/random.js';
import { decideOutcome } from '../../../src/sim/behaviour.js';
import { type BehaviourInput, BehaviourSchema, ScenarioSchema } from '../../../src/sim/scenario.js';
import { oneBuild, type SimServer, withSim } from '../../support/sim.js';

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });
const UNARY = '/v1beta/models/sim-model:generateContent';
const SSE = '/v1beta/models/sim-model:streamGenerateContent?alt=sse';
const CHAT = '/v1beta/openai/chat/completions';

const decide = (input: BehaviourInput) =>
  decideOutcome(BehaviourSchema.parse(input), 'build-7', 'alias-x', seededRandom(1));

interface Read {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  text: string;
  broke: boolean;
}

/** Everything that arrived, and whether the body ended in a break rather than cleanly. */
async function readAll(sim: SimServer, path: string, body = HI): Promise<Read> {
  const res = await request(`${sim.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  const chunks: Buffer[] = [];
  let broke = false;
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch {
    broke = true;
  }
  const whole = Buffer.concat(chunks);
  return { status: res.statusCode, headers: res.headers, bytes: whole.length, text: whole.toString(), broke };
}

describe('fault behaviours: the decision', () => {
  it('overloaded with retryInfo false: a 429 that gives no delay', () => {
    const outcome = decide({ kind: 'overloaded', retryInfo: false });
    expect(outcome).toMatchObject({ kind: 'error', error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    if (outcome.kind !== 'error') return;
    expect(JSON.stringify(outcome.error.details)).not.toContain('RetryInfo');
    expect(JSON.stringify(outcome.error.details)).toContain('QuotaFailure');
  });

  it('notFoundPage, bodyCut and raw carry their parameters, with defaults', () => {
    expect(decide({ kind: 'notFoundPage' })).toEqual({ kind: 'notFoundPage' });
    expect(decide({ kind: 'bodyCut' })).toEqual({ kind: 'bodyCut', afterBytes: 64 });
    expect(decide({ kind: 'bodyCut', afterBytes: 3 })).toEqual({ kind: 'bodyCut', afterBytes: 3 });
    expect(decide({ kind: 'raw' })).toEqual({
      kind: 'raw',
      status: 200,
      contentType: 'text/html; charset=UTF-8',
      body: '',
    });
  });

  it('raw refuses statuses outside 200..599', () => {
    expect(BehaviourSchema.safeParse({ kind: 'raw', status: 101 }).success).toBe(false);
    expect(BehaviourSchema.safeParse({ kind: 'raw', status: 600 }).success).toBe(false);
  });

  it('responseTokens goes up to a million (answers past a proxy’s 1 MiB hold limit)', () => {
    const scenario = (responseTokens: number) =>
      ScenarioSchema.safeParse({ models: { m: { builds: [{ name: 'm-1', responseTokens }] } } }).success;
    expect(scenario(1_000_000)).toBe(true);
    expect(scenario(1_000_001)).toBe(false);
  });
});

describe('fault behaviours on the wire', () => {
  it('overloaded without RetryInfo', async () => {
    await withSim({ scenario: oneBuild({ kind: 'overloaded', retryInfo: false }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.status).toBe(429);
      const error = JSON.parse(r.text).error as { details: { '@type': string }[] };
      expect(error.details.map((d) => d['@type'])).not.toContain('type.googleapis.com/google.rpc.RetryInfo');
    });
  });

  it('notFoundPage: Google’s HTML 404 naming the URL, on every framing', async () => {
    await withSim({ scenario: oneBuild({ kind: 'notFoundPage' }) }, async (sim) => {
      for (const path of [UNARY, SSE]) {
        const r = await readAll(sim, path);
        expect(r.status).toBe(404);
        expect(r.headers['content-type']).toBe('text/html; charset=UTF-8');
        expect(r.text).toContain('<title>Error 404 (Not Found)!!1</title>');
        expect(r.text).toContain(`<code>${path.split('?')[0]}</code>`);
      }
      expect(sim.stats().requests.byBuild['sim-model-001']).toBe(2);
    });
  });

  it('raw: exactly the status, content type and body given, whatever was asked', async () => {
    const behaviour: BehaviourInput = {
      kind: 'raw',
      status: 200,
      contentType: 'application/json',
      body: '[{"candidates":[]}]',
    };
    await withSim({ scenario: oneBuild(behaviour) }, async (sim) => {
      const chat = JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] });
      for (const [path, body] of [
        [UNARY, HI],
        [SSE, HI],
        [CHAT, chat],
      ] as const) {
        const r = await readAll(sim, path, body);
        expect([r.status, r.headers['content-type'], r.text, r.broke]).toEqual([
          200,
          'application/json',
          '[{"candidates":[]}]',
          false,
        ]);
      }
    });
  });

  it('raw: an empty 404', async () => {
    await withSim({ scenario: oneBuild({ kind: 'raw', status: 404 }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect([r.status, r.text, r.headers['content-length']]).toEqual([404, '', '0']);
    });
  });

  it('bodyCut on a unary answer: the whole length declared, afterBytes sent, then the connection breaks', async () => {
    await withSim({ scenario: oneBuild({ kind: 'bodyCut', afterBytes: 40 }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.status).toBe(200);
      expect(Number(r.headers['content-length'])).toBeGreaterThan(40);
      expect(r.bytes).toBe(40);
      expect(r.broke).toBe(true);
      expect(r.text).toMatch(/^\{\n {2}"candidates"/);
    });
  });

  it('bodyCut on a stream: part of the first event, then the break', async () => {
    await withSim({ scenario: oneBuild({ kind: 'bodyCut', afterBytes: 10 }) }, async (sim) => {
      const r = await readAll(sim, SSE);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/event-stream');
      expect(r.text).toBe('data: {"ca');
      expect(r.broke).toBe(true);
    });
  });

  it('bodyCut always withholds at least one byte, even when afterBytes covers the answer', async () => {
    await withSim({ scenario: oneBuild({ kind: 'bodyCut', afterBytes: 10_000_000 }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.bytes).toBe(Number(r.headers['content-length']) - 1);
      expect(r.broke).toBe(true);
    });
  });

  it('a build with 300,000 response tokens answers more than 1 MiB of valid JSON', async () => {
    await withSim({ scenario: oneBuild({ kind: 'healthy' }, { responseTokens: 300_000 }) }, async (sim) => {
      const r = await readAll(sim, UNARY);
      expect(r.status).toBe(200);
      expect(r.bytes).toBeGreaterThan(1024 * 1024);
      expect(() => JSON.parse(r.text)).not.toThrow();
    });
  });
});
