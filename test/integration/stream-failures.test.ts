import { ApiError, GoogleGenAI } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { HI, incidentConfig, load, type Stack, startStack } from '../support/stack.js';

let stack: Stack;
afterEach(() => stack.close());

const BUILD = 'gemini-2.5-flash-002';
const OTHER = 'gemini-flash-latest-001';

async function startPair(routing: Record<string, unknown> = {}): Promise<void> {
  stack = await startStack({
    config: (url) =>
      incidentConfig(url, {
        routing,
        aliases: {
          solo: { targets: [{ upstream: 'sim', model: BUILD }] },
          pair: {
            targets: [
              { upstream: 'sim', model: BUILD },
              { upstream: 'sim', model: OTHER },
            ],
          },
        },
      }),
  });
}

/** Reads a stream with the real SDK as an application would: the chunks it got, then what it threw. */
async function streamWithSdk(model: string): Promise<{ chunks: unknown[]; error: unknown }> {
  const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: stack.url, apiVersion: 'v1beta' } });
  const chunks: unknown[] = [];
  try {
    for await (const c of await ai.models.generateContentStream({ model, contents: 'hi' })) chunks.push(c);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

describe('a stream never ends in silence', () => {
  it('a stream cut after its first chunks ends with an error event the SDK raises as ApiError', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamCut', afterChunks: 2 });
    const { chunks, error } = await streamWithSdk('solo');
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).message).toContain('upstream stream failed');
  });

  it('the SSE error event is framed exactly: data: {"error":…} CRLF CRLF, then the end', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamCut', afterChunks: 1 });
    const res = await fetch(`${stack.url}/v1beta/models/solo:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: HI,
    });
    const text = await res.text();
    const events = text.split('\r\n\r\n');
    expect(events.at(-1)).toBe('');
    const last = JSON.parse(events.at(-2)!.replace(/^data: /, '')) as {
      error: { code: number; status: string };
    };
    expect(last.error).toMatchObject({ code: 502, status: 'UNAVAILABLE' });
  });

  it('the JSON-array stream ends with an error element and still parses as an array', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamCut', afterChunks: 2 });
    const res = await fetch(`${stack.url}/v1beta/models/solo:streamGenerateContent`, {
      method: 'POST',
      body: HI,
    });
    const parsed = JSON.parse(await res.text()) as Record<string, unknown>[];
    expect(parsed.length).toBe(2);
    expect(parsed.at(-1)).toMatchObject({ error: { code: 502 } });
  });

  it('a stream that fails before its first byte moves to another target: no client sees it', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamCut', afterChunks: 0 });
    const result = await load(stack.url, '/v1beta/models/pair:streamGenerateContent?alt=sse', {
      total: 200,
      concurrency: 8,
      sse: true,
    });
    expect(result.failures).toEqual([]);
  });

  it('Google’s own mid-stream error (bare JSON after the last event) reaches the SDK as ApiError', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamError', afterChunks: 1, status: 503 });
    const { chunks, error } = await streamWithSdk('solo');
    expect(chunks).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
  });

  it('a stream whose first bytes are Google’s bare error is retried on another target', async () => {
    await startPair();
    stack.sim.setBehaviour(BUILD, { kind: 'streamError', afterChunks: 0, status: 503 });
    const result = await load(stack.url, '/v1beta/models/pair:streamGenerateContent?alt=sse', {
      total: 100,
      concurrency: 4,
      sse: true,
    });
    expect(result.failures).toEqual([]);
    expect(stack.sim.stats().requests.byBuild[BUILD] ?? 0).toBeGreaterThan(0);
  });

  it('an upstream that goes silent mid-stream is cut after routing.idleTimeoutMs, with an error event', async () => {
    await startPair({ idleTimeoutMs: 200 });
    stack.sim.configureBuild(BUILD, { streamChunks: 3, chunkIntervalMs: 60_000 });
    const started = Date.now();
    const res = await fetch(`${stack.url}/v1beta/models/solo:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: HI,
    });
    const text = await res.text();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(text.split('\r\n\r\n').filter((e) => e.startsWith('data: {"candidates"'))).toHaveLength(1);
    expect(text).toMatch(
      /data: \{"error":\{"code":502,"message":"upstream stream failed: UND_ERR_BODY_TIMEOUT/,
    );
  });
});
