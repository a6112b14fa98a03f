import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { aliasHealth } from '../../src/health/alias-status.js';
import { createLogger } from '../../src/telemetry/log.js';
import { INCIDENT } from '../support/sim.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * An alias that does not declare `methods` learns them from its first target's Model resource at start, beside
 * serving: it then refuses what its model cannot do, without an upstream call, and serves everything else —
 * countTokens on an embedding model included. Until the resource is read, or when it cannot be, every verb goes to
 * the upstream, which decides. Declared methods still restrict.
 */
let stack: Stack | undefined;
let gateway: Gateway | undefined;
let upstream: Server | undefined;
afterEach(async () => {
  await stack?.close();
  await gateway?.close();
  upstream?.closeAllConnections();
  upstream?.close();
  stack = gateway = upstream = undefined;
});

const text = (t: string) => ({ parts: [{ text: t }] });

/** A gateway with one alias over `m` on the upstream at `upstreamUrl`. */
async function gatewayOver(
  upstreamUrl: string,
  alias: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  gateway = createGateway(
    configFromObject({
      state: { sqlitePath: ':memory:' },
      logging: { level: 'silent' },
      upstreams: { up: { baseUrl: upstreamUrl } },
      aliases: { [alias]: { targets: [{ upstream: 'up', model: 'm' }] } },
      ...extra,
    }),
    { log: createLogger('silent') },
  );
  return (await gateway.listen(0, '127.0.0.1', { port: 0 })).url;
}

/** One fault ejects a target, and nothing re-admits it meanwhile. */
const EJECT_ON_ONE_FAULT = { health: { consecutiveTargetFaults: 1, healthCheck: { enabled: false } } };

async function post(url: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('learned from the simulator (the real catalogue’s methods)', () => {
  async function start(): Promise<Stack> {
    stack = await startStack({
      config: (url) =>
        configFromObject({
          state: { sqlitePath: ':memory:' },
          logging: { level: 'silent' },
          upstreams: { sim: { baseUrl: url } },
          aliases: {
            embed: { targets: [{ upstream: 'sim', model: INCIDENT.embeddingModel }] },
            flash: { targets: [{ upstream: 'sim', model: INCIDENT.healthyBuild }] },
            'flash-only-generate': {
              methods: ['generateContent'],
              targets: [{ upstream: 'sim', model: INCIDENT.healthyBuild }],
            },
          },
        }),
    });
    return stack;
  }

  it('an embedding alias serves embedContent, batchEmbedContents and countTokens, and refuses generateContent locally', async () => {
    const { url, sim } = await start();
    const embed = await post(url, '/v1beta/models/embed:embedContent', { content: text('a') });
    expect(embed.status).toBe(200);
    const count = await post(url, '/v1beta/models/embed:countTokens', { contents: [text('count me')] });
    expect(count.status, JSON.stringify(count.json)).toBe(200);
    const batch = await post(url, '/v1beta/models/embed:batchEmbedContents', {
      requests: [{ model: 'models/embed', content: text('a') }],
    });
    expect(batch.status).toBe(200);
    const served = sim.stats().requests.total;
    const refused = await post(url, '/v1beta/models/embed:generateContent', { contents: [text('hi')] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain(
      'models/embed does not support generateContent; it supports embedContent, batchEmbedContents, countTokens',
    );
    expect(sim.stats().requests.total, 'upstream calls for the refusal').toBe(served);
  });

  it('GET models shows the learned methods and token limits', async () => {
    const { url } = await start();
    const embed = (await (await fetch(`${url}/v1beta/models/embed`)).json()) as Record<string, unknown>;
    expect(embed).toMatchObject({
      supportedGenerationMethods: ['embedContent', 'batchEmbedContents', 'countTokens'],
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
    });
    const flash = (await (await fetch(`${url}/v1beta/models/flash`)).json()) as Record<string, unknown>;
    expect(flash).toMatchObject({
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
      inputTokenLimit: 1_048_576,
    });
  });

  it('declared methods still restrict, whatever the upstream supports', async () => {
    const { url } = await start();
    expect((await post(url, '/v1beta/models/flash:countTokens', { contents: [text('x')] })).status).toBe(200);
    const refused = await post(url, '/v1beta/models/flash-only-generate:countTokens', {
      contents: [text('x')],
    });
    expect(refused.status).toBe(400);
  });
});

describe('an upstream whose Model resource cannot be read', () => {
  /** Answers every POST; `GET models/…` hangs (never answers) or fails with 500. */
  async function startUpstream(get: 'hang' | 'fail'): Promise<{ url: string; posts: string[] }> {
    const posts: string[] = [];
    upstream = createServer((req, res) => {
      if (req.method === 'GET') {
        if (get === 'fail')
          res.writeHead(500).end('{"error":{"code":500,"message":"x","status":"INTERNAL"}}');
        return;
      }
      posts.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          req.url?.includes(':embedContent')
            ? '{"embedding":{"values":[0.5]}}'
            : '{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP"}]}',
        );
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    return { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, posts };
  }

  it.each(['hang', 'fail'] as const)(
    'GET models/m that %ss: serving starts at once and every verb goes upstream',
    async (get) => {
      const { url: upstreamUrl, posts } = await startUpstream(get);
      const url = await gatewayOver(upstreamUrl, 'any');
      if (get === 'fail') await gateway!.modelsLearned();
      expect((await post(url, '/v1beta/models/any:generateContent', { contents: [text('hi')] })).status).toBe(
        200,
      );
      expect((await post(url, '/v1beta/models/any:embedContent', { content: text('hi') })).status).toBe(200);
      expect(posts).toEqual(['/v1beta/models/m:generateContent', '/v1beta/models/m:embedContent']);
      const resource = (await (await fetch(`${url}/v1beta/models/any`)).json()) as Record<string, unknown>;
      expect(resource).not.toHaveProperty('supportedGenerationMethods');
    },
  );
});

/**
 * Google answers "no such model" and "this model has no such method" with one sentence (docs/wire.md §0.12). Found
 * by fuzzing: embedContent on a chat alias sent before its methods were learned came back as that 404, the gateway
 * took it for a dead build, tried twice and answered 503. The target's Model resource now decides.
 */
describe("Google's one 404 for a missing model and a missing method", () => {
  const refusal = (model: string, method: string) =>
    JSON.stringify({
      error: {
        code: 404,
        message: `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
        status: 'NOT_FOUND',
      },
    });

  /**
   * Every model generates and has no embedContent, and is answered with Google's sentence when asked for it, on both
   * surfaces (the OpenAI-compatible one wraps the envelope in a list). `GET models/{x}` answers only once a POST for x
   * has arrived (so the first request to each model races the read at start), with the resource (`chat`), a 404 (`missing`), or a
   * resource that lists embedContent.
   */
  async function startUpstream(resource: 'chat' | 'missing' | 'lists-embed') {
    const posts: string[] = [];
    const gets: string[] = [];
    const posted = new Set<string>();
    const heldGets = new Map<string, () => void>();
    upstream = createServer((req, res) => {
      const url = req.url ?? '';
      if (req.method === 'GET') {
        gets.push(url);
        const model = url.split('/models/')[1] ?? '';
        const answer = () => {
          if (resource === 'missing') {
            res.writeHead(404, { 'content-type': 'application/json' }).end(refusal(model, 'get'));
            return;
          }
          const methods =
            resource === 'chat' ? ['generateContent', 'countTokens'] : ['generateContent', 'embedContent'];
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ name: `models/${model}`, supportedGenerationMethods: methods }));
        };
        if (posted.has(model)) answer();
        else heldGets.set(model, answer);
        return;
      }
      posts.push(url);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const openai = url.includes('/openai/');
        const model = openai
          ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string }).model
          : url.split('/models/')[1]!.split(':')[0]!;
        posted.add(model);
        heldGets.get(model)?.();
        heldGets.delete(model);
        const json = { 'content-type': 'application/json; charset=UTF-8' };
        if (url.includes(':embedContent') || url.endsWith('/openai/embeddings')) {
          const envelope = refusal(model, 'embedContent');
          res.writeHead(404, json).end(openai ? `[${envelope}]` : envelope);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          '{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP"}]}',
        );
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    return { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, posts, gets };
  }

  const state = () => aliasHealth(gateway!.catalog().get('chat')!, gateway!.health).targets[0]!.state;

  it('the method the model lacks, asked before its methods are learned: the upstream’s 404 once, then refused locally; the build stays in rotation', async () => {
    const { url: upstreamUrl, posts } = await startUpstream('chat');
    const url = await gatewayOver(upstreamUrl, 'chat', EJECT_ON_ONE_FAULT);
    const first = await post(url, '/v1beta/models/chat:embedContent', { content: text('hi') });
    expect(first.status, JSON.stringify(first.json)).toBe(404);
    expect(JSON.stringify(first.json)).toContain('is not supported for embedContent');
    expect(posts, 'one attempt: a wrong verb is not retried').toEqual(['/v1beta/models/m:embedContent']);
    expect(state()).toBe('in_rotation');
    const again = await post(url, '/v1beta/models/chat:embedContent', { content: text('hi') });
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.json)).toContain('models/chat does not support embedContent');
    expect(posts, 'the refusal is local once the methods are known').toHaveLength(1);
    expect((await post(url, '/v1beta/models/chat:generateContent', { contents: [text('hi')] })).status).toBe(
      200,
    );
  });

  it('with a second target and a fallback to retry on, and through the OpenAI surface: the wrong verb is answered once, with no retry and no fallback, and no build is held to it', async () => {
    const { url: upstreamUrl, posts } = await startUpstream('chat');
    const url = await gatewayOver(upstreamUrl, 'unused', {
      ...EJECT_ON_ONE_FAULT,
      aliases: {
        chat: {
          targets: [
            { upstream: 'up', model: 'm1' },
            { upstream: 'up', model: 'm2' },
          ],
          fallback: ['backup'],
        },
        'chat-oa': { targets: [{ upstream: 'up', model: 'n1' }], fallback: ['backup'] },
        backup: { targets: [{ upstream: 'up', model: 'b1' }] },
      },
    });
    const gemini = await post(url, '/v1beta/models/chat:embedContent', { content: text('hi') });
    expect(gemini.status, JSON.stringify(gemini.json)).toBe(404);
    expect(posts, 'one attempt, on m1 or m2').toHaveLength(1);
    expect(posts[0]).toMatch(/^\/v1beta\/models\/m[12]:embedContent$/);
    const openai = await post(url, '/v1beta/openai/embeddings', { model: 'chat-oa', input: 'hi' });
    expect(openai.status, JSON.stringify(openai.json)).toBe(404);
    expect(JSON.stringify(openai.json)).toContain('is not supported for embedContent');
    expect(posts.slice(1), 'the OpenAI call: one attempt, on its own target').toEqual([
      '/v1beta/openai/embeddings',
    ]);
    for (const alias of ['chat', 'chat-oa', 'backup']) {
      const targets = aliasHealth(gateway!.catalog().get(alias)!, gateway!.health).targets;
      expect(
        targets.map((t) => t.state),
        alias,
      ).toEqual(targets.map(() => 'in_rotation'));
    }
  });

  it.each([
    ['the model’s resource is missing too', 'missing'],
    ['the model’s resource lists the method', 'lists-embed'],
  ] as const)('%s: the 404 is the build’s fault, and it is ejected', async (_, resource) => {
    const { url: upstreamUrl } = await startUpstream(resource);
    const url = await gatewayOver(upstreamUrl, 'chat', EJECT_ON_ONE_FAULT);
    const answer = await post(url, '/v1beta/models/chat:embedContent', { content: text('hi') });
    expect(answer.status, JSON.stringify(answer.json)).toBe(503);
    expect(state()).toBe('ejected');
  });
});
