import { GoogleGenAI } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { INCIDENT, oneBuild, type SimulatorOptions } from '../support/sim.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * `exposeBuilds: false`: a provider's internal build names never reach clients — not in `modelVersion` (Gemini),
 * not in `model` (OpenAI chat, embeddings, Responses), unary or streamed, not in headers, not in the gateway's own
 * errors. The same requests to an alias that keeps the default show the build, so these checks can fail.
 */
const BUILD = INCIDENT.healthyBuild;

let stack: Stack;
afterEach(() => stack.close());

async function start(scenario?: SimulatorOptions['scenario']): Promise<void> {
  const sim = (model: string) => [{ upstream: 'sim', model }];
  stack = await startStack({
    ...(scenario ? { scenario } : {}),
    config: (url) =>
      configFromObject({
        state: { sqlitePath: ':memory:' },
        logging: { level: 'silent' },
        upstreams: { sim: { baseUrl: url } },
        routing: { maxAttempts: 2 },
        aliases: {
          hidden: { exposeBuilds: false, targets: sim(BUILD) },
          shown: { targets: sim(BUILD) },
          'hidden-embed': { exposeBuilds: false, targets: sim(INCIDENT.embeddingModel) },
          'shown-embed': { targets: sim(INCIDENT.embeddingModel) },
          'hidden-dead': { exposeBuilds: false, targets: sim(INCIDENT.deadBuild) },
          'hidden-cut': { exposeBuilds: false, targets: sim('sim-model-001') },
        },
      }),
  });
}

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const generate = { contents: [{ parts: [{ text: 'hi' }] }] };
const chat = (model: string, stream = false) => ({
  model,
  stream,
  messages: [{ role: 'user', content: 'hi' }],
});

/** Every JSON value in an answer: the body, each SSE event, or each element of the JSON-array stream. */
function valuesIn(text: string): Record<string, unknown>[] {
  if (text.startsWith('[')) return JSON.parse(text) as Record<string, unknown>[];
  if (!text.includes('data:')) return [JSON.parse(text) as Record<string, unknown>];
  return text
    .split(/\r?\n\r?\n/)
    .map((e) => /^data: (.*)$/m.exec(e)?.[1])
    .filter((d): d is string => d !== undefined && d !== '[DONE]')
    .map((d) => JSON.parse(d) as Record<string, unknown>);
}

/** [surface, path, body for an alias, the field that names the model, the build it names by default]. */
const CASES: [string, string, (alias: string) => unknown, string, string][] = [
  ['generateContent', ':generateContent', () => generate, 'modelVersion', BUILD],
  ['SSE stream', ':streamGenerateContent?alt=sse', () => generate, 'modelVersion', BUILD],
  ['JSON-array stream', ':streamGenerateContent', () => generate, 'modelVersion', BUILD],
  ['OpenAI chat', '/v1beta/openai/chat/completions', (a) => chat(a), 'model', BUILD],
  ['OpenAI chat, streamed', '/v1beta/openai/chat/completions', (a) => chat(a, true), 'model', BUILD],
  ['Responses', '/v1/responses', (a) => ({ model: a, input: 'hi' }), 'model', BUILD],
];

function pathFor(path: string, alias: string): string {
  return path.startsWith('/') ? path : `/v1beta/models/${alias}${path}`;
}

describe('an alias that hides its builds', () => {
  it.each(CASES)(
    '%s: the answer names the alias; the default names the build',
    async (_, path, body, field, build) => {
      await start();
      const hidden = await post(pathFor(path, 'hidden'), body('hidden'));
      expect(hidden.status, hidden.text).toBe(200);
      expect(hidden.text).not.toContain(build);
      expect(hidden.headers.get('x-aliasgate-target')).toBeNull();
      expect(hidden.headers.get('x-aliasgate-alias')).toBe('hidden');
      const values = valuesIn(hidden.text);
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(value[field]).toBe('hidden');

      const shown = await post(pathFor(path, 'shown'), body('shown'));
      expect(shown.status, shown.text).toBe(200);
      expect(valuesIn(shown.text)[0]?.[field]).toBe(build);
      expect(shown.headers.get('x-aliasgate-target')).toBe(`sim/${build}`);
    },
  );

  it('Responses, streamed: every event’s response.model is the alias', async () => {
    await start();
    const hidden = await post('/v1/responses', { model: 'hidden', input: 'hi', stream: true });
    expect(hidden.text).not.toContain(BUILD);
    const models = [...hidden.text.matchAll(/"model":"([^"]*)"/g)].map((m) => m[1]);
    expect(models.length).toBeGreaterThan(2);
    expect(new Set(models)).toEqual(new Set(['hidden']));
  });

  it('OpenAI embeddings: model is the alias, where the default names the upstream model', async () => {
    await start();
    const hidden = await post('/v1beta/openai/embeddings', { model: 'hidden-embed', input: 'a' });
    expect(JSON.parse(hidden.text).model).toBe('hidden-embed');
    expect(hidden.text).not.toContain(INCIDENT.embeddingModel);
    const shown = await post('/v1beta/openai/embeddings', { model: 'shown-embed', input: 'a' });
    expect(JSON.parse(shown.text).model).toBe(INCIDENT.embeddingModel);
  });

  it('@google/genai sees modelVersion as the alias, unary and streamed', async () => {
    await start();
    const ai = new GoogleGenAI({
      apiKey: 'unused',
      httpOptions: { baseUrl: stack.url, apiVersion: 'v1beta' },
    });
    expect((await ai.models.generateContent({ model: 'hidden', contents: 'hi' })).modelVersion).toBe(
      'hidden',
    );
    for await (const chunk of await ai.models.generateContentStream({ model: 'hidden', contents: 'hi' })) {
      expect(chunk.modelVersion).toBe('hidden');
    }
  });

  it('the gateway’s own 503 names the alias and the verdicts, not the dead build or its 404 message', async () => {
    await start();
    const failed = await post('/v1beta/models/hidden-dead:generateContent', generate);
    expect(failed.status).toBe(503);
    expect(failed.text).not.toContain(INCIDENT.deadBuild);
    expect(failed.text).toContain('a target of hidden-dead (target_fault)');
  });

  it('a stream cut after its first byte says so without naming the build', async () => {
    await start(oneBuild({ kind: 'streamError', afterChunks: 1 }));
    const cut = await post('/v1beta/models/hidden-cut:streamGenerateContent?alt=sse', generate);
    const values = valuesIn(cut.text);
    expect(values.at(-1)).toHaveProperty('error');
    expect(cut.text).not.toContain('sim-model-001');
    expect(JSON.stringify(values.at(-1))).toContain('(alias hidden-cut)');
  });
});
