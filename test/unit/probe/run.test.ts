import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeOptions, promptBody } from '../../../src/probe/options.js';
import type { CallOutcome } from '../../../src/probe/outcome.js';
import { runProbe } from '../../../src/probe/run.js';
import { errorStatus, renderEnvelope } from '../../../src/wire/envelope.js';
import { sseEvent } from '../../../src/wire/sse.js';
import {
  COMPLETION,
  DEAD_BUILD,
  type FakeHandler,
  type FakeServer,
  incidentHandler,
  sendError,
  sendJson,
  sendModelList,
  sendSse,
  startFake,
} from './fake-gemini.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function options(baseUrl: string, over: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    baseUrl,
    apiVersion: 'v1beta',
    models: ['m'],
    calls: 1,
    concurrency: 1,
    stream: false,
    body: promptBody('hi'),
    bodySource: { prompt: 'hi' },
    timeoutMs: 2_000,
    ...over,
  };
}

/** Probes one model once against a server answering every POST with `handler`. */
async function oneCall(handler: FakeHandler, over: Partial<ProbeOptions> = {}): Promise<CallOutcome> {
  server = await startFake((req, res) =>
    req.method === 'GET' ? sendModelList(res, ['m']) : handler(req, res),
  );
  const result = await runProbe(options(server.url, over));
  return result.runs[0]!.outcomes[0]!;
}

describe('runProbe against a Gemini-wire server', () => {
  it('sends the incident request with the key in the header and counts each model', async () => {
    server = await startFake(incidentHandler({ alias: 'alias', failEvery: 3, listed: ['alias', 'sibling'] }));
    const progress: number[] = [];
    const result = await runProbe(
      options(server.url, {
        models: ['alias', 'sibling'],
        calls: 6,
        concurrency: 3,
        apiKey: 'sekrit-key-123',
      }),
      { onProgress: (p) => progress.push(p.done) },
    );
    const [alias, sibling] = result.runs;
    expect(alias!.outcomes.filter((o) => !o.ok)).toHaveLength(4);
    expect(sibling!.outcomes.every((o) => o.ok)).toBe(true);
    expect(alias!.outcomes.find((o) => !o.ok)).toMatchObject({
      error: {
        kind: 'http',
        httpStatus: 404,
        status: 'NOT_FOUND',
        message: `Model not found: models/${DEAD_BUILD}`,
      },
    });
    expect(result.listing).toEqual({ ok: true, models: ['alias', 'sibling'] });
    expect(progress).toEqual([...Array(12).keys()].map((i) => i + 1));

    const post = server.seen.find((r) => r.method === 'POST')!;
    expect(post.url).toMatch(/^\/v1beta\/models\/(alias|sibling):generateContent$/);
    expect(post.headers['x-goog-api-key']).toBe('sekrit-key-123');
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ contents: [{ parts: [{ text: 'hi' }] }] });
    expect(server.seen.every((r) => !r.url.includes('key='))).toBe(true);
    expect(JSON.stringify(result)).not.toContain('sekrit-key-123');
    expect(result.settings.authenticated).toBe(true);
  });

  it('keeps at most --concurrency calls in flight and interleaves the models', async () => {
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    server = await startFake((req, res) => {
      if (req.method === 'GET') return sendModelList(res, []);
      order.push(req.model!);
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        sendJson(res, 200, COMPLETION);
      }, 5);
    });
    await runProbe(options(server.url, { models: ['a', 'b'], calls: 5, concurrency: 2 }));
    expect(peak).toBe(2);
    expect(order.slice(0, 4).sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('follows nextPageToken through the model list', async () => {
    server = await startFake((req, res) => {
      if (req.method !== 'GET') return sendJson(res, 200, COMPLETION);
      if (req.url.includes('pageToken=P2')) return sendModelList(res, ['second']);
      sendModelList(res, ['first'], 'P2');
    });
    const result = await runProbe(options(server.url));
    expect(result.listing).toEqual({ ok: true, models: ['first', 'second'] });
    expect(server.seen.filter((r) => r.method === 'GET').map((r) => r.url)).toEqual([
      '/v1beta/models?pageSize=1000',
      '/v1beta/models?pageSize=1000&pageToken=P2',
    ]);
  });

  it('goes on when the model list cannot be read', async () => {
    server = await startFake((req, res) =>
      req.method === 'GET' ? sendError(res, 500, 'boom') : sendJson(res, 200, COMPLETION),
    );
    const result = await runProbe(options(server.url));
    expect(result.listing).toEqual({ ok: false, error: '500 INTERNAL: boom' });
    expect(result.runs[0]!.outcomes[0]!.ok).toBe(true);
  });
});

describe('one generateContent call', () => {
  it('counts a 200 that is not JSON as a malformed response', async () => {
    const outcome = await oneCall((_req, res) => res.end('<html>captive portal</html>'));
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'malformed', message: 'malformed response: body is not valid JSON' },
    });
  });

  it('keeps the status of an error without a Gemini envelope', async () => {
    const outcome = await oneCall((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'http', httpStatus: 502, message: 'HTTP 502 without a Gemini error envelope' },
    });
  });

  it('times out a call that never answers', async () => {
    const outcome = await oneCall(() => {}, { timeoutMs: 100 });
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'timeout', message: 'no complete answer within 100 ms' },
    });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(90);
  });

  it('counts a refused connection as a transport failure', async () => {
    server = await startFake(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const result = await runProbe(options(url, { calls: 2 }));
    for (const outcome of result.runs[0]!.outcomes) {
      expect(outcome).toMatchObject({
        ok: false,
        error: { kind: 'transport', code: 'ECONNREFUSED', message: 'connection refused (ECONNREFUSED)' },
      });
    }
    expect(result.listing).toEqual({ ok: false, error: 'connection refused (ECONNREFUSED)' });
  });
});

describe('one streamGenerateContent call (--stream)', () => {
  const stream = { stream: true };
  const firstChunk = { candidates: [{ content: { parts: [{ text: 'He' }], role: 'model' }, index: 0 }] };

  it('reads the whole stream and asks for alt=sse', async () => {
    const outcome = await oneCall((_req, res) => sendSse(res, [firstChunk, COMPLETION]), stream);
    expect(outcome.ok).toBe(true);
    expect(server!.seen.find((r) => r.method === 'POST')!.url).toBe(
      '/v1beta/models/m:streamGenerateContent?alt=sse',
    );
  });

  it('reads an error before the stream from a non-JSON content type (docs/wire.md §7.2)', async () => {
    const outcome = await oneCall((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/event-stream' });
      res.end(renderEnvelope(errorStatus(404, `Model not found: models/${DEAD_BUILD}`)));
    }, stream);
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'http', httpStatus: 404, status: 'NOT_FOUND' },
    });
  });

  it.each<[string, string, object]>([
    [
      'an error event',
      sseEvent({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }),
      { kind: 'http', httpStatus: 500, status: 'INTERNAL', midStream: true, message: 'Internal error' },
    ],
    [
      "Google's bare error after the last event (docs/wire.md §7.3)",
      renderEnvelope(errorStatus(503, 'This model is currently experiencing high demand.')),
      { kind: 'http', httpStatus: 503, status: 'UNAVAILABLE', midStream: true },
    ],
    [
      'a clean close before any finishReason',
      '',
      { kind: 'cut', message: 'stream ended before any finishReason' },
    ],
    [
      'an unterminated event',
      'data: {"candidates": [',
      { kind: 'cut', message: 'stream cut inside an unterminated event' },
    ],
    ['an event that is not JSON', 'data: not json\r\n\r\n', { kind: 'malformed', midStream: true }],
  ])('fails a stream that ends with %s', async (_name, tail, error) => {
    const outcome = await oneCall((_req, res) => sendSse(res, [firstChunk], tail), stream);
    expect(outcome).toMatchObject({ ok: false, error });
  });

  it('fails an empty 200 stream', async () => {
    const outcome = await oneCall((_req, res) => sendSse(res, []), stream);
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'cut', message: 'stream ended with no events' },
    });
  });

  it('fails a stream whose connection is cut mid-way', async () => {
    const outcome = await oneCall((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseEvent(firstChunk), () => setTimeout(() => res.socket?.destroy(), 10));
    }, stream);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'cut' } });
    expect(outcome.ok || outcome.error.message).toMatch(/^answer cut before it ended: /);
  });

  it('accepts a blocked prompt, which has no finishReason (docs/wire.md §4)', async () => {
    const blocked = { promptFeedback: { blockReason: 'SAFETY' } };
    expect((await oneCall((_req, res) => sendSse(res, [blocked]), stream)).ok).toBe(true);
  });
});
