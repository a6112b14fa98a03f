import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { aliasHealth } from '../../src/health/alias-status.js';
import { seededRandom } from '../../src/random.js';
import { createLogger } from '../../src/telemetry/log.js';
import { type Capture, startCapture } from '../support/capture.js';
import { type SimServer, startSimulator } from '../support/sim.js';

/**
 * Issue 8: whichever alias of the fallback chain serves, and whatever the client wrote, every place the request
 * names the model (URL, `model`, `requests[].model`, `generateContentRequest.model`) reaches the upstream as the
 * model of the target being tried. The simulator, like Google, refuses a body whose model fields disagree with
 * the URL, so a missed rewrite fails loudly.
 */

/** Upstream models of each chain: the primary, its fallback, and the fallback's fallback. */
const MODELS = {
  text: ['gemini-3.5-flash', 'gemini-flash-latest', 'gemini-2.5-flash'],
  embed: ['text-embedding-005', 'text-embedding-004', 'gemini-embedding-001'],
} as const;

type Chain = keyof typeof MODELS;

/** How aliases are named, and how the client writes the name in a body. */
const NAMINGS = {
  'named like the upstream model': { text: MODELS.text, embed: MODELS.embed, prefix: false },
  'named unlike it': {
    text: ['my-flash', 'my-stable', 'my-backup'],
    embed: ['my-embed', 'my-embed-old', 'my-embed-last'],
    prefix: false,
  },
  'named unlike it, client writes models/': {
    text: ['my-flash', 'my-stable', 'my-backup'],
    embed: ['my-embed', 'my-embed-old', 'my-embed-last'],
    prefix: true,
  },
} as const;

type Naming = keyof typeof NAMINGS;

interface Method {
  name: string;
  chain: Chain;
  /** The client's request for alias `alias`, naming it `written` wherever the body names a model. */
  request(alias: string, written: string): { path: string; body: unknown };
  /** The upstream path expected for target model `model`. */
  upstreamPath(model: string): string;
  /** What a good answer contains. */
  complete(text: string): boolean;
}

const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
const gemini =
  (verb: string, query = '') =>
  (model: string) =>
    `/v1beta/models/${model}:${verb}${query}`;
const json = (text: string) => !text.includes('"error"');

const METHODS: Method[] = [
  {
    name: 'generateContent',
    chain: 'text',
    request: (alias) => ({ path: `/v1beta/models/${alias}:generateContent`, body: { contents } }),
    upstreamPath: gemini('generateContent'),
    complete: (t) => json(t) && t.includes('finishReason'),
  },
  {
    name: 'streamGenerateContent?alt=sse',
    chain: 'text',
    request: (alias) => ({
      path: `/v1beta/models/${alias}:streamGenerateContent?alt=sse`,
      body: { contents },
    }),
    upstreamPath: gemini('streamGenerateContent', '?alt=sse'),
    complete: (t) => json(t) && t.includes('finishReason'),
  },
  {
    name: 'streamGenerateContent (JSON array)',
    chain: 'text',
    request: (alias) => ({ path: `/v1beta/models/${alias}:streamGenerateContent`, body: { contents } }),
    upstreamPath: gemini('streamGenerateContent'),
    complete: (t) => json(t) && t.trimEnd().endsWith(']'),
  },
  {
    name: 'countTokens {contents}',
    chain: 'text',
    request: (alias) => ({ path: `/v1beta/models/${alias}:countTokens`, body: { contents } }),
    upstreamPath: gemini('countTokens'),
    complete: (t) => t.includes('totalTokens'),
  },
  {
    name: 'countTokens {generateContentRequest}',
    chain: 'text',
    request: (alias, written) => ({
      path: `/v1beta/models/${alias}:countTokens`,
      body: { generateContentRequest: { model: written, contents } },
    }),
    upstreamPath: gemini('countTokens'),
    complete: (t) => t.includes('totalTokens'),
  },
  {
    name: 'embedContent',
    chain: 'embed',
    request: (alias, written) => ({
      path: `/v1beta/models/${alias}:embedContent`,
      body: { model: written, content: { parts: [{ text: 'a' }] } },
    }),
    upstreamPath: gemini('embedContent'),
    complete: (t) => t.includes('"embedding"'),
  },
  {
    name: 'batchEmbedContents',
    chain: 'embed',
    request: (alias, written) => ({
      path: `/v1beta/models/${alias}:batchEmbedContents`,
      body: {
        requests: [
          { model: written, content: { parts: [{ text: 'a' }] } },
          { model: written, content: { parts: [{ text: 'b' }] } },
        ],
      },
    }),
    upstreamPath: gemini('batchEmbedContents'),
    complete: (t) => t.includes('"embeddings"'),
  },
  {
    name: 'OpenAI chat/completions',
    chain: 'text',
    request: (_alias, written) => ({
      path: '/v1beta/openai/chat/completions',
      body: { model: written, messages: [{ role: 'user', content: 'hi' }] },
    }),
    upstreamPath: () => '/v1beta/openai/chat/completions',
    complete: (t) => json(t) && t.includes('"finish_reason"'),
  },
  {
    name: 'OpenAI chat/completions, streamed',
    chain: 'text',
    request: (_alias, written) => ({
      path: '/v1/chat/completions',
      body: { model: written, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    }),
    upstreamPath: () => '/v1beta/openai/chat/completions',
    complete: (t) => json(t) && t.includes('[DONE]'),
  },
];

const SERVES = ['primary serves', 'fallback serves', 'second fallback serves'] as const;

let sim: SimServer;
let capture: Capture;

beforeAll(async () => {
  const models = Object.fromEntries([...MODELS.text, ...MODELS.embed].map((m) => [m, {}]));
  sim = await startSimulator({ scenario: { seed: 1, models } as never });
  capture = await startCapture(sim.url);
});
afterAll(async () => {
  await capture.close();
  await sim.close();
});

function configFor(naming: Naming) {
  const aliases: Record<string, unknown> = {};
  for (const chain of ['text', 'embed'] as const) {
    const names = NAMINGS[naming][chain];
    names.forEach((name, i) => {
      aliases[name] = {
        ...(chain === 'embed' ? { methods: ['embedContent', 'batchEmbedContents'] } : {}),
        targets: [{ upstream: 'sim', model: MODELS[chain][i] }],
        ...(i < names.length - 1 ? { fallback: [names[i + 1]] } : {}),
      };
    });
  }
  return configFromObject({
    server: { port: 0 },
    state: { sqlitePath: ':memory:' },
    logging: { level: 'silent' },
    upstreams: { sim: { baseUrl: capture.url } },
    routing: { maxAttempts: 4, maxAttemptsPerAlias: 1 },
    aliases,
  });
}

/** The strings the upstream body names the model with. */
function modelFields(body: string): unknown[] {
  const value = JSON.parse(body) as Record<string, unknown>;
  const fields: unknown[] = [];
  if ('model' in value) fields.push(value.model);
  const gcr = value.generateContentRequest as Record<string, unknown> | undefined;
  if (gcr && 'model' in gcr) fields.push(gcr.model);
  for (const r of (value.requests as Record<string, unknown>[] | undefined) ?? []) fields.push(r.model);
  return fields;
}

const rows = METHODS.flatMap((method) =>
  (Object.keys(NAMINGS) as Naming[]).flatMap((naming) =>
    SERVES.map((serves, hops) => ({
      label: `${method.name}, alias ${naming}, ${serves}`,
      method,
      naming,
      hops,
    })),
  ),
);

describe('issue 8: every model field names the target tried, on every attempt of the chain', () => {
  it.each(rows)('$label', async ({ method, naming, hops }) => {
    const models = MODELS[method.chain];
    const names = NAMINGS[naming][method.chain];
    for (const m of [...MODELS.text, ...MODELS.embed]) sim.setBehaviour(m, { kind: 'healthy' });
    for (let i = 0; i < hops; i++) sim.setBehaviour(models[i]!, { kind: 'dead' });
    const gateway = createGateway(configFor(naming), {
      random: seededRandom(1),
      log: createLogger('silent'),
    });
    const { url } = await gateway.listen(0, '127.0.0.1', { port: 0 });
    capture.requests.length = 0;
    try {
      const written = (alias: string) => (NAMINGS[naming].prefix ? `models/${alias}` : alias);
      const { path, body } = method.request(names[0]!, written(names[0]!));
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      expect({ status: res.status, text: text.slice(0, 300) }).toEqual({
        status: 200,
        text: text.slice(0, 300),
      });
      expect(method.complete(text)).toBe(true);
      expect(res.headers.get('x-aliasgate-alias')).toBe(names[hops]);
      expect(res.headers.get('x-aliasgate-target')).toBe(`sim/${models[hops]}`);
      // one attempt per alias of the chain, each addressed wholly to its own target
      expect(capture.requests.map((r) => r.path)).toEqual(models.slice(0, hops + 1).map(method.upstreamPath));
      capture.requests.forEach((r, i) => {
        const expected = written(models[i]!);
        const fields = modelFields(r.body);
        expect(fields.every((f) => f === expected)).toBe(true);
        if (
          method.chain === 'embed' ||
          method.name.includes('generateContentRequest') ||
          method.name.startsWith('OpenAI')
        ) {
          expect(fields.length).toBeGreaterThan(0);
        }
      });
      expect(capture.requests.map((r) => r.status)).toEqual([...Array(hops).fill(404), 200]);
    } finally {
      await gateway.close();
    }
  });
});

describe('issue 8: a request the gateway malformed is never charged to a target', () => {
  it('an upstream 404 naming the client’s alias is our bug: 500 INTERNAL, no retry, no ejection of the healthy target', async () => {
    for (const m of [...MODELS.text, ...MODELS.embed]) sim.setBehaviour(m, { kind: 'healthy' });
    // what an upstream says when it is asked for the alias instead of the target's model
    sim.setBehaviour('gemini-3.5-flash', {
      kind: 'dead',
      message:
        'models/my-flash is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    });
    const gateway = createGateway(configFor('named unlike it'), {
      random: seededRandom(1),
      log: createLogger('silent'),
      openAdmin: true,
    });
    const { url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 });
    capture.requests.length = 0;
    try {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}/v1beta/models/my-flash:generateContent`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ contents }),
        });
        expect(res.status).toBe(500);
        const body = (await res.json()) as { error: { status: string; message: string } };
        expect(body.error.status).toBe('INTERNAL');
        expect(body.error.message).toMatch(/malformed \(a bug in aliasgate/);
      }
      // one attempt each: retrying a request we malformed would only malform it again
      expect(capture.requests).toHaveLength(10);
      const health = aliasHealth(gateway.catalog().get('my-flash')!, gateway.health);
      expect(health.targets[0]!.state).toBe('in_rotation');
      const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/aliasgate_upstream_attempts_total\{[^}]*verdict="gateway_fault"\} 10/);
    } finally {
      await gateway.close();
    }
  });
});
