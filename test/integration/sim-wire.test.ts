import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { INCIDENT, useSim, withSim } from '../support/sim.js';

interface Raw {
  status: number;
  contentType: string;
  text: string;
}

async function call(
  base: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Raw> {
  const res = await request(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type']),
    text: await res.body.text(),
  };
}

const HI = { contents: [{ parts: [{ text: 'hi' }] }] };

describe('wire format: success framing', () => {
  const sim = useSim();

  it('unary: pretty-printed JSON, application/json; charset=UTF-8', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-2.5-flash:generateContent', HI);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json; charset=UTF-8');
    expect(r.text).toMatch(/^\{\n {2}"candidates": \[\n/);
    expect(Object.keys(JSON.parse(r.text))).toEqual([
      'candidates',
      'usageMetadata',
      'modelVersion',
      'responseId',
    ]);
  });

  it('alt=sse: only `data: <compact json>\\r\\n\\r\\n` events, finishReason only on the last', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', HI);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('text/event-stream');
    expect(r.text.endsWith('\r\n\r\n')).toBe(true);
    const events = r.text.slice(0, -4).split('\r\n\r\n');
    expect(events).toHaveLength(5);
    const chunks = events.map((e) => {
      expect(e).toMatch(/^data: \{[^\n\r]*\}$/);
      return JSON.parse(e.slice('data: '.length));
    });
    expect(chunks.map((c) => c.candidates[0].finishReason)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'STOP',
    ]);
    expect(chunks.every((c) => c.usageMetadata.promptTokenCount === 1)).toBe(true);
    expect(chunks.some((c) => 'continuationToken' in c.candidates[0])).toBe(false);
  });

  it('no alt (or alt=json): one JSON array, elements split by \\r\\n,\\r\\n, closed by \\r\\n]', async () => {
    for (const query of ['', '?alt=json']) {
      const r = await call(sim().url, `/v1beta/models/gemini-2.5-flash:streamGenerateContent${query}`, HI);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/json; charset=UTF-8');
      expect(r.text.startsWith('[{\n')).toBe(true);
      expect(r.text.endsWith('}\r\n]')).toBe(true);
      expect(r.text.split('\r\n,\r\n')).toHaveLength(5);
      const array = JSON.parse(r.text);
      expect(array).toHaveLength(5);
      expect(array[4].candidates[0].finishReason).toBe('STOP');
    }
  });

  it('the same routes answer under /v1/ and /v1alpha/', async () => {
    for (const version of ['v1', 'v1alpha']) {
      expect((await call(sim().url, `/${version}/models/gemini-2.5-flash:generateContent`, HI)).status).toBe(
        200,
      );
      expect((await call(sim().url, `/${version}/models`)).status).toBe(200);
    }
  });

  it('countTokens takes contents or generateContentRequest', async () => {
    const a = await call(sim().url, '/v1beta/models/gemini-2.5-flash:countTokens', {
      contents: [{ parts: [{ text: 'count these words' }] }],
    });
    const b = await call(sim().url, '/v1beta/models/gemini-2.5-flash:countTokens', {
      generateContentRequest: {
        model: 'models/gemini-2.5-flash',
        contents: [{ parts: [{ text: 'count these words' }] }],
      },
    });
    expect(JSON.parse(a.text)).toEqual({
      totalTokens: 5,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
    });
    expect(JSON.parse(b.text)).toEqual(JSON.parse(a.text));
  });

  it('embedContent returns one vector; batchEmbedContents requires each model to match the URL', async () => {
    const one = await call(sim().url, '/v1beta/models/gemini-embedding-001:embedContent', {
      content: { parts: [{ text: 'a' }] },
      outputDimensionality: 4,
    });
    expect(JSON.parse(one.text).embedding.values).toHaveLength(4);
    const mismatch = await call(sim().url, '/v1beta/models/gemini-embedding-001:batchEmbedContents', {
      requests: [{ model: 'models/other-embedder', content: { parts: [{ text: 'a' }] } }],
    });
    expect(mismatch.status).toBe(400);
    expect(JSON.parse(mismatch.text).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(JSON.parse(mismatch.text).error.message).toContain('requests[0].model');
  });

  it('unknown request fields are accepted (they must survive a gateway round trip)', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-2.5-flash:generateContent', {
      ...HI,
      someFutureField: { x: 1 },
      generationConfig: { brandNewKnob: true },
    });
    expect(r.status).toBe(200);
  });

  it('GET models/{m} for a model and a healthy build; the dead build is not found', async () => {
    const model = await call(sim().url, '/v1beta/models/gemini-3.5-flash');
    expect(JSON.parse(model.text)).toMatchObject({
      name: 'models/gemini-3.5-flash',
      displayName: 'Gemini 3.5 Flash',
    });
    const build = await call(sim().url, `/v1beta/models/${INCIDENT.healthyBuild}`);
    expect(JSON.parse(build.text)).toMatchObject({ name: `models/${INCIDENT.healthyBuild}` });
    const dead = await call(sim().url, `/v1beta/models/${INCIDENT.deadBuild}`);
    expect(dead.status).toBe(404);
    expect(JSON.parse(dead.text).error.message).toBe(`Model not found: models/${INCIDENT.deadBuild}`);
  });
});

describe('wire format: errors', () => {
  const sim = useSim();

  it('unknown model: the real 404 text, pretty-printed envelope', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-pro:generateContent', HI);
    expect(r.status).toBe(404);
    expect(r.contentType).toBe('application/json; charset=UTF-8');
    expect(r.text).toBe(
      '{\n  "error": {\n    "code": 404,\n    "message": "models/gemini-pro is not found for API version v1beta, or is ' +
        'not supported for generateContent. Call ListModels to see the list of available models and their supported ' +
        'methods.",\n    "status": "NOT_FOUND"\n  }\n}\n',
    );
    const v1stream = await call(sim().url, '/v1/models/gemini-pro:streamGenerateContent?alt=sse', HI);
    expect(JSON.parse(v1stream.text).error.message).toContain(
      'not found for API version v1, or is not supported for StreamGenerateContent',
    );
  });

  it('a method the model does not support is the same 404', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-embedding-001:generateContent', HI);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.message).toContain('is not supported for generateContent');
  });

  it('errors on alt=sse requests carry a non-JSON content type (docs/wire.md §7.2); JSON-array streams an array', async () => {
    const sse = await call(
      sim().url,
      `/v1beta/models/${INCIDENT.deadBuild}:streamGenerateContent?alt=sse`,
      HI,
    );
    expect(sse.status).toBe(404);
    expect(sse.contentType).not.toContain('json');
    expect(JSON.parse(sse.text).error.status).toBe('NOT_FOUND');
    const array = await call(sim().url, `/v1beta/models/${INCIDENT.deadBuild}:streamGenerateContent`, HI);
    expect(array.status).toBe(404);
    expect(array.text.startsWith('[{\n')).toBe(true);
    expect(JSON.parse(array.text)[0].error.code).toBe(404);
  });

  it('a body that is not JSON is 400 INVALID_ARGUMENT pointing at the bad byte', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-2.5-flash:generateContent', '{"contents": }');
    expect(r.status).toBe(400);
    const error = JSON.parse(r.text).error;
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'Invalid JSON payload received. Unexpected token.\n{"contents": }\n             ^',
    );
    expect(error.details[0]['@type']).toBe('type.googleapis.com/google.rpc.BadRequest');
  });

  it('a request without contents is 400', async () => {
    const r = await call(sim().url, '/v1beta/models/gemini-2.5-flash:generateContent', {});
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toBe(
      '* GenerateContentRequest.contents: contents is not specified\n',
    );
  });

  it('unknown URLs get Google’s HTML 404 page', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['POST', '/v1beta/models/gemini-2.5-flash:predictLongRunning'],
      ['GET', '/v1/openai/models'],
    ] as const) {
      const r = await request(`${sim().url}${path}`, {
        method,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(r.statusCode).toBe(404);
      expect(r.headers['content-type']).toBe('text/html; charset=UTF-8');
      expect(await r.body.text()).toContain('That’s an error.');
    }
  });

  it('a body over the limit is 400 with Google’s wording', async () => {
    await withSim({ maxBodyBytes: 1000 }, async (small) => {
      const r = await call(small.url, '/v1beta/models/gemini-2.5-flash:generateContent', {
        contents: [{ parts: [{ text: 'x'.repeat(2000) }] }],
      });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).error.message).toBe('Request payload size exceeds the limit: 1000 bytes.');
    });
  });
});

describe('API keys (docs/wire.md §2.1)', () => {
  const sim = useSim({ scenario: { apiKeys: ['good-key'], models: { m: {} } } });
  const path = '/v1beta/models/m:generateContent';

  it('no key → 403 PERMISSION_DENIED', async () => {
    const r = await call(sim().url, path, HI);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toMatchObject({
      status: 'PERMISSION_DENIED',
      message: expect.stringMatching(/^Method doesn't allow unregistered callers/),
    });
  });

  it('a wrong key → 400 API_KEY_INVALID', async () => {
    const r = await call(sim().url, path, HI, { 'x-goog-api-key': 'bad' });
    expect(r.status).toBe(400);
    const error = JSON.parse(r.text).error;
    expect(error.message).toBe('API key not valid. Please pass a valid API key.');
    expect(error.details[0]).toMatchObject({ reason: 'API_KEY_INVALID', domain: 'googleapis.com' });
  });

  it('the right key in the header, the query or (OpenAI surface) a bearer token', async () => {
    expect((await call(sim().url, path, HI, { 'x-goog-api-key': 'good-key' })).status).toBe(200);
    expect((await call(sim().url, `${path}?key=good-key`, HI)).status).toBe(200);
    const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(
      (await call(sim().url, '/v1beta/openai/chat/completions', chat, { authorization: 'Bearer good-key' }))
        .status,
    ).toBe(200);
    const denied = await call(sim().url, '/v1beta/openai/chat/completions', chat, {
      authorization: 'Bearer nope',
    });
    expect(denied.status).toBe(400);
    expect(JSON.parse(denied.text)[0].error.status).toBe('INVALID_ARGUMENT');
  });

  it('GET models needs the key too', async () => {
    expect((await call(sim().url, '/v1beta/models')).status).toBe(403);
    expect((await call(sim().url, '/v1beta/models?key=good-key')).status).toBe(200);
  });
});
