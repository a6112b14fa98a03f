import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { hashSecret } from '../../src/config/secret.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HI, incidentConfig, type Stack, startStack } from '../support/stack.js';

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An upstream that records what reached it and answers with fields the gateway has never heard of. */
async function captureUpstream(answer: { status: number; body: string; contentType?: string }) {
  const seen: Captured[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // the gateway reads each alias's Model resource at start (catalog/learned-model.ts): not the test's request
      if (req.headers['user-agent'] !== 'aliasgate-model-info')
        seen.push({
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
      res.writeHead(answer.status, {
        'content-type': answer.contentType ?? 'application/json; charset=UTF-8',
      });
      res.end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function gatewayOver(
  upstreamUrl: string,
  extra: Record<string, unknown> = {},
): Promise<{ gateway: Gateway; url: string }> {
  const gateway = createGateway(
    configFromObject({
      state: { sqlitePath: ':memory:' },
      logging: { level: 'silent' },
      upstreams: { up: { baseUrl: upstreamUrl, apiKey: 'upstream-secret-key' } },
      aliases: { 'my-alias': { targets: [{ upstream: 'up', model: 'real-model-7' }] } },
      ...extra,
    }),
    { log: createLogger('silent') },
  );
  const { url } = await gateway.listen(0, '127.0.0.1', { port: 0 });
  cleanup.push(() => gateway.close());
  return { gateway, url };
}

describe('bytes pass through untouched', () => {
  it('a field the gateway has never heard of survives, in the request and in the response', async () => {
    const answer =
      '{\n  "candidates": [{"content": {"parts": [{"text": "ok"}], "role": "model"}, "futureField": {"x": 1.50}}],\n  "brandNewTopLevel": [1e3, "z"]\n}\n';
    const up = await captureUpstream({ status: 200, body: answer });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url);
    const request =
      '{"contents":[{"parts":[{"text":"hi","partExtension":true}]}],"zetaUnknown":{"nested":[1.0,2]},"alpha":1}';
    const res = await fetch(`${url}/v1beta/models/my-alias:generateContent?alt=json&key=client-key`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-goog-api-client': 'genai-js/9',
        'x-goog-api-key': 'client-key',
      },
      body: request,
    });
    expect(await res.text()).toBe(answer);
    const seen = up.seen[0]!;
    expect(seen.body).toBe(request);
    expect(seen.url).toBe('/v1beta/models/real-model-7:generateContent?alt=json');
    // the gateway's key goes upstream, the client's never does
    expect(seen.headers['x-goog-api-key']).toBe('upstream-secret-key');
    expect(seen.headers['x-goog-api-client']).toBe('genai-js/9');
    expect(JSON.stringify(seen)).not.toContain('client-key');
  });

  it('a client error keeps its status, details and content type', async () => {
    const body = `${JSON.stringify(
      {
        error: {
          code: 400,
          message: 'Invalid JSON payload received. Unknown name "bogus": Cannot find field.',
          status: 'INVALID_ARGUMENT',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: 'x' }] },
          ],
        },
      },
      null,
      2,
    )}\n`;
    const up = await captureUpstream({ status: 400, body });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url);
    const res = await fetch(`${url}/v1beta/models/my-alias:generateContent`, {
      method: 'POST',
      body: '{"bogus":1}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await res.text()).toBe(body);
    expect(up.seen).toHaveLength(1);
  });

  it('the upstream key never reaches the client, even in the gateway’s own errors', async () => {
    const up = await captureUpstream({
      status: 503,
      body: '{"error":{"code":503,"message":"down","status":"UNAVAILABLE"}}',
    });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url);
    const res = await fetch(`${url}/v1beta/models/my-alias:generateContent`, { method: 'POST', body: HI });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(text).not.toContain('upstream-secret-key');
    expect(JSON.stringify([...res.headers])).not.toContain('upstream-secret-key');
  });
});

describe('request limits and keys', () => {
  it('a body over the limit gets 413 in the envelope, without calling upstream', async () => {
    const up = await captureUpstream({ status: 200, body: '{}' });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url, { server: { bodyLimitBytes: 1024 } });
    const res = await fetch(`${url}/v1beta/models/my-alias:generateContent`, {
      method: 'POST',
      body: 'x'.repeat(5000),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: number; message: string } }).error).toMatchObject({
      code: 413,
    });
    expect(up.seen).toHaveLength(0);
  });

  it('a 12 MB inline image goes through whole', async () => {
    const up = await captureUpstream({ status: 200, body: '{"candidates":[]}' });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url);
    const data = Buffer.alloc(9 * 1024 * 1024, 1).toString('base64');
    const body = JSON.stringify({ contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data } }] }] });
    const res = await fetch(`${url}/v1beta/models/my-alias:generateContent`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(up.seen[0]!.body.length).toBe(body.length);
  });

  it.each([
    ['x-goog-api-key header', '/v1beta/models/my-alias:generateContent', { 'x-goog-api-key': 'good' }, 200],
    ['?key= query', '/v1beta/models/my-alias:generateContent?key=good', {}, 200],
    ['no key', '/v1beta/models/my-alias:generateContent', {}, 403],
    ['a wrong key', '/v1beta/models/my-alias:generateContent', { 'x-goog-api-key': 'bad' }, 400],
    [
      'Bearer on the OpenAI surface',
      '/v1beta/openai/chat/completions',
      { authorization: 'Bearer good' },
      200,
    ],
  ])('client keys: %s → %i', async (_name, path, headers, status) => {
    const up = await captureUpstream({ status: 200, body: '{"ok":true}' });
    cleanup.push(up.close);
    const { url } = await gatewayOver(up.url, {
      auth: { clientKeys: [{ name: 'team', sha256: hashSecret('good') }] },
    });
    const body = path.includes('openai') ? '{"model":"my-alias","messages":[]}' : HI;
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    expect(res.status).toBe(status);
  });
});

describe('models listing and client cancellation', () => {
  let stack: Stack;
  afterEach(() => stack?.close());

  it('GET models pages over the aliases with pageSize and pageToken', async () => {
    stack = await startStack();
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await fetch(`${stack.url}/v1beta/models?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      const page = (await res.json()) as { models: { name: string }[]; nextPageToken?: string };
      expect(page.models.length).toBeLessThanOrEqual(2);
      names.push(...page.models.map((m) => m.name));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(names).toEqual(
      stack.gateway
        .catalog()
        .aliases()
        .map((a) => `models/${a.name}`),
    );
    expect(pages).toBe(Math.ceil(names.length / 2));
  });

  it('a client that aborts a stream frees the upstream request within 100 ms', async () => {
    stack = await startStack({
      config: (u) =>
        incidentConfig(u, {
          aliases: { slow: { targets: [{ upstream: 'sim', model: 'gemini-2.5-flash-002' }] } },
        }),
    });
    stack.sim.configureBuild('gemini-2.5-flash-002', { streamChunks: 1000, chunkIntervalMs: 20 });
    const controller = new AbortController();
    const res = await fetch(`${stack.url}/v1beta/models/slow:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: HI,
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect(stack.sim.stats().openRequests).toBe(1);
    controller.abort();
    const aborted = Date.now();
    while (stack.sim.stats().openRequests > 0 && Date.now() - aborted < 1000)
      await new Promise((r) => setTimeout(r, 2));
    expect(stack.sim.stats().openRequests).toBe(0);
    expect(Date.now() - aborted).toBeLessThan(100);
  });

  it('a client that gives up while the upstream hangs frees it too', async () => {
    stack = await startStack({
      config: (u) =>
        incidentConfig(u, {
          aliases: { stuck: { targets: [{ upstream: 'sim', model: 'gemini-2.5-flash-002' }] } },
        }),
    });
    stack.sim.setBehaviour('gemini-2.5-flash-002', { kind: 'hang' });
    const controller = new AbortController();
    const pending = fetch(`${stack.url}/v1beta/models/stuck:generateContent`, {
      method: 'POST',
      body: HI,
      signal: controller.signal,
    }).catch(() => undefined);
    while (stack.sim.stats().openRequests === 0) await new Promise((r) => setTimeout(r, 2));
    controller.abort();
    await pending;
    const aborted = Date.now();
    while (stack.sim.stats().openRequests > 0 && Date.now() - aborted < 1000)
      await new Promise((r) => setTimeout(r, 2));
    expect(Date.now() - aborted).toBeLessThan(100);
  });
});
