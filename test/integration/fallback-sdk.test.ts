import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * Issue 8, as users met it: client-mode aliases named unlike their upstream models, each with a fallback, during
 * the incident (the provider's own alias fails about two thirds of calls with a 404 naming a dead build, and so
 * does the primary embedding model). Through the real SDKs, every method, 2,000 calls each: no failure.
 */
const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const scenario = {
  seed: 13,
  models: {
    'gemini-3.5-flash': {
      builds: [
        { name: DEAD, weight: 68, behaviour: { kind: 'dead' } },
        { name: 'gemini-3.5-flash-001', weight: 32 },
      ],
    },
    'gemini-flash-latest': {},
    'text-embedding-005': {
      builds: [
        { name: 'text-embedding-005-rev3-dead', weight: 68, behaviour: { kind: 'dead' } },
        { name: 'text-embedding-005-001', weight: 32 },
      ],
    },
    'text-embedding-004': {},
  },
};

let stack: Stack;
let ai: GoogleGenAI;
let openai: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    scenario: scenario as never,
    config: (url) =>
      configFromObject({
        server: { port: 0 },
        state: { sqlitePath: ':memory:' },
        logging: { level: 'silent' },
        upstreams: { google: { baseUrl: url } },
        aliases: {
          'my-flash': {
            targets: [{ upstream: 'google', model: 'gemini-3.5-flash' }],
            fallback: ['my-stable'],
          },
          'my-stable': { targets: [{ upstream: 'google', model: 'gemini-flash-latest' }] },
          'my-embed': {
            methods: ['embedContent', 'batchEmbedContents'],
            targets: [{ upstream: 'google', model: 'text-embedding-005' }],
            fallback: ['my-embed-old'],
          },
          'my-embed-old': {
            methods: ['embedContent', 'batchEmbedContents'],
            targets: [{ upstream: 'google', model: 'text-embedding-004' }],
          },
        },
      }),
  });
  ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: stack.url, apiVersion: 'v1beta' } });
  openai = new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1beta/openai/`, maxRetries: 0 });
});
afterAll(() => stack.close());

const CALLS = 2000;
const CONCURRENCY = 16;

/** Runs `call` CALLS times at CONCURRENCY and returns the failures (at most a few, with their messages). */
async function failuresOf(call: (i: number) => Promise<boolean>): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < CALLS) {
      const i = next++;
      try {
        if (!(await call(i))) failures.push(`call ${i}: incomplete answer`);
      } catch (e) {
        failures.push(`call ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failures.slice(0, 3);
}

describe('issue 8: the real SDKs through client-mode aliases named unlike their models, during the incident', () => {
  it('@google/genai generateContent', async () => {
    const failures = await failuresOf(async () => {
      const r = await ai.models.generateContent({ model: 'my-flash', contents: 'hi' });
      return (r.text ?? '').length > 0;
    });
    expect(failures).toEqual([]);
    // the incident was met: the provider alias's dead build answered some of the calls
    expect(stack.sim.stats().requests.byBuild[DEAD] ?? 0).toBeGreaterThan(0);
  });

  it('@google/genai generateContentStream', async () => {
    const failures = await failuresOf(async () => {
      let text = '';
      for await (const chunk of await ai.models.generateContentStream({
        model: 'my-flash',
        contents: 'hi',
      })) {
        text += chunk.text ?? '';
      }
      return text.length > 0;
    });
    expect(failures).toEqual([]);
  });

  it('@google/genai countTokens', async () => {
    const failures = await failuresOf(async () => {
      const r = await ai.models.countTokens({ model: 'my-flash', contents: 'count these words' });
      return (r.totalTokens ?? 0) > 0;
    });
    expect(failures).toEqual([]);
  });

  it('@google/genai embedContent (sent as batchEmbedContents, requests[].model = models/my-embed)', async () => {
    const failures = await failuresOf(async () => {
      const r = await ai.models.embedContent({ model: 'my-embed', contents: ['a', 'b'] });
      return r.embeddings?.length === 2;
    });
    expect(failures).toEqual([]);
    expect(stack.sim.stats().requests.byBuild['text-embedding-004'] ?? 0).toBeGreaterThan(0);
  });

  it('openai chat.completions', async () => {
    const failures = await failuresOf(async () => {
      const r = await openai.chat.completions.create({
        model: 'my-flash',
        messages: [{ role: 'user', content: 'hi' }],
      });
      return (r.choices[0]?.message.content ?? '').length > 0;
    });
    expect(failures).toEqual([]);
  });

  it('openai chat.completions, streamed', async () => {
    const failures = await failuresOf(async () => {
      const stream = await openai.chat.completions.create({
        model: 'my-flash',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return text.length > 0;
    });
    expect(failures).toEqual([]);
  });
});
