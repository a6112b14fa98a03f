import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { incidentConfig, type Stack, startStack } from '../support/stack.js';

/**
 * CORS on the client listener, like Google's endpoint: a web page on another origin may call the gateway with the
 * headers the SDKs send, and read the answer and the x-aliasgate-* headers — every answer, errors and streams
 * included. `server.cors.origins` narrows it; the admin listener never allows another origin.
 */
let stack: Stack;
afterEach(() => stack.close());

const ORIGIN = 'http://app.example:3000';
/** What the SDKs ask for: @google/genai, the legacy SDK, the AI SDK, LangChain, and the openai SDK's x-stainless-*. */
const SDK_HEADERS =
  'authorization,content-type,x-goog-api-client,x-goog-api-key,x-server-timeout,x-stainless-arch,' +
  'x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,x-stainless-runtime,' +
  'x-stainless-runtime-version,x-stainless-timeout';

async function start(cors?: { origins: string[] }, extra: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({
    config: (url) => incidentConfig(url, { ...(cors ? { server: { cors } } : {}), ...extra }),
  });
  return stack;
}

function preflight(url: string, path: string, origin = ORIGIN, headers = SDK_HEADERS): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      ...(headers ? { 'access-control-request-headers': headers } : {}),
    },
  });
}

function call(url: string, path: string, body: string, origin = ORIGIN): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body,
  });
}

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

describe('any origin (the default)', () => {
  it('answers a preflight 204 with the methods, every header the SDKs ask for, and a max age', async () => {
    const { url } = await start();
    for (const path of [
      '/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse',
      '/v1beta/openai/chat/completions',
      '/v1/responses',
    ]) {
      const res = await preflight(url, path);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toBe(SDK_HEADERS);
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    }
    const bare = await preflight(url, '/v1beta/models', ORIGIN, '');
    expect(bare.headers.get('access-control-allow-headers')).toContain('x-goog-api-key');
    expect(bare.headers.get('access-control-allow-headers')).toContain('x-stainless-retry-count');
    expect(stack.sim.stats().requests.total, 'preflights reach no upstream').toBe(0);
  });

  it('puts Allow-Origin and Expose-Headers on answers, streams and every kind of error', async () => {
    const { url } = await start(undefined, { server: { bodyLimitBytes: 1024 } });
    const answers = [
      await call(url, '/v1beta/models/gemini-3.5-flash:generateContent', HI),
      await call(url, '/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse', HI),
      await call(url, '/v1beta/models/no-such-alias:generateContent', HI),
      await call(url, '/v1beta/models/gemini-3.5-flash:generateContent', 'not json'),
      await call(url, '/v1beta/models/gemini-3.5-flash:generateContent', 'x'.repeat(2000)),
      await call(url, '/v1beta/openai/chat/completions', '{"model":"nope","messages":[]}'),
      await fetch(`${url}/v1beta/models`, { method: 'PUT', headers: { origin: ORIGIN } }),
      await fetch(`${url}/v1beta/models`, { headers: { origin: ORIGIN } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 400, 413, 404, 405, 200]);
    for (const res of answers) {
      expect(res.headers.get('access-control-allow-origin'), `${res.status}`).toBe('*');
      await res.arrayBuffer();
    }
    const exposed = answers[0]!.headers.get('access-control-expose-headers') ?? '';
    for (const h of [
      'x-aliasgate-alias',
      'x-aliasgate-target',
      'x-aliasgate-attempts',
      'x-aliasgate-fallback',
    ]) {
      expect(exposed).toContain(h);
    }
  });

  it('the admin listener never allows another origin', async () => {
    const { adminUrl } = await start();
    const pre = await preflight(adminUrl, '/admin/pull');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const status = await fetch(`${adminUrl}/admin/status`, { headers: { origin: ORIGIN } });
    expect(status.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('server.cors.origins narrows it', () => {
  it('echoes a listed origin with Vary: Origin; another gets no Allow-Origin, so its browser refuses', async () => {
    const { url } = await start({ origins: [ORIGIN] });
    const allowed = await call(url, '/v1beta/models/gemini-3.5-flash:generateContent', HI);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('vary')).toContain('Origin');
    const other = await call(
      url,
      '/v1beta/models/gemini-3.5-flash:generateContent',
      HI,
      'http://evil.example',
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const otherPreflight = await preflight(url, '/v1beta/models', 'http://evil.example');
    expect(otherPreflight.status).toBe(204);
    expect(otherPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(otherPreflight.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('an empty list turns CORS off: no headers, and OPTIONS is not a method the API takes', async () => {
    const { url } = await start({ origins: [] });
    const res = await call(url, '/v1beta/models/gemini-3.5-flash:generateContent', HI);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(url, '/v1beta/models')).status).toBe(405);
  });

  it('refuses an origin with a path, naming the field', () => {
    expect(() =>
      incidentConfig('http://127.0.0.1:1', { server: { cors: { origins: ['https://a.example/app'] } } }),
    ).toThrow(ConfigError);
    expect(() =>
      incidentConfig('http://127.0.0.1:1', { server: { cors: { origins: ['https://a.example/app'] } } }),
    ).toThrow(/server\.cors\.origins\[0\]/);
  });
});
