import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { load, type Stack, startStack } from '../support/stack.js';

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const DEAD_EMBEDDING = 'gemini-embedding-rev9-dead';

/** The incident, with a dead build behind the embedding model too, so every method meets it. */
const scenario = {
  seed: 11,
  models: {
    'gemini-3.5-flash': {
      builds: [
        { name: DEAD, weight: 68, behaviour: { kind: 'dead' } },
        { name: 'gemini-3.5-flash-001', weight: 32 },
      ],
    },
    'gemini-flash-latest': { builds: [{ name: 'gemini-flash-latest-001' }] },
    'gemini-embedding-001': {
      builds: [
        { name: DEAD_EMBEDDING, weight: 68, behaviour: { kind: 'dead' } },
        { name: 'gemini-embedding-001-002', weight: 32 },
      ],
    },
  },
};

let stack: Stack;
// a fresh gateway per method, so each one meets the dead build before it is ejected
beforeEach(async () => {
  stack = await startStack({
    scenario: scenario as never,
    config: (url) =>
      configFromObject({
        server: { port: 0 },
        state: { sqlitePath: ':memory:' },
        logging: { level: 'silent' },
        upstreams: { sim: { baseUrl: url } },
        aliases: {
          'gemini-3.5-flash': {
            targets: [
              { upstream: 'sim', model: 'gemini-3.5-flash-001', weight: 32 },
              { upstream: 'sim', model: DEAD, weight: 68 },
            ],
            fallback: ['gemini-flash-latest'],
          },
          'gemini-flash-latest': { targets: [{ upstream: 'sim', model: 'gemini-flash-latest-001' }] },
          'gemini-embedding': {
            methods: ['embedContent', 'batchEmbedContents'],
            targets: [
              { upstream: 'sim', model: 'gemini-embedding-001-002', weight: 32 },
              { upstream: 'sim', model: DEAD_EMBEDDING, weight: 68 },
            ],
          },
        },
      }),
  });
});
afterEach(() => stack.close());

const text = (t: string) => ({ parts: [{ text: t }] });
const cases: [string, string, unknown, { sse?: boolean }][] = [
  ['generateContent', '/v1beta/models/gemini-3.5-flash:generateContent', { contents: [text('hi')] }, {}],
  [
    'streamGenerateContent?alt=sse',
    '/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse',
    { contents: [text('hi')] },
    { sse: true },
  ],
  [
    'streamGenerateContent (JSON array)',
    '/v1beta/models/gemini-3.5-flash:streamGenerateContent',
    { contents: [text('hi')] },
    {},
  ],
  ['countTokens', '/v1/models/gemini-3.5-flash:countTokens', { contents: [text('count these words')] }, {}],
  ['embedContent', '/v1beta/models/gemini-embedding:embedContent', { content: text('embed me') }, {}],
  [
    'batchEmbedContents (alias rewritten in requests[].model)',
    '/v1beta/models/gemini-embedding:batchEmbedContents',
    {
      requests: [
        { model: 'models/gemini-embedding', content: text('a') },
        { model: 'models/gemini-embedding', content: text('b') },
      ],
    },
    {},
  ],
  [
    'OpenAI chat/completions',
    '/v1beta/openai/chat/completions',
    { model: 'gemini-3.5-flash', messages: [{ role: 'user', content: 'hi' }] },
    {},
  ],
  [
    'OpenAI chat/completions, streamed',
    '/v1beta/openai/chat/completions',
    { model: 'gemini-3.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    {},
  ],
];

describe('the incident protects every method: 2,000 requests each at concurrency 16', () => {
  it.each(cases)('%s', async (_name, path, body, opts) => {
    const result = await load(stack.url, path, {
      total: 2000,
      concurrency: 16,
      body: JSON.stringify(body),
      ...opts,
    });
    expect(result.failures.slice(0, 2)).toEqual([]);
    expect(result.statuses.get(200)).toBe(2000);
    const byBuild = stack.sim.stats().requests.byBuild;
    const dead = (byBuild[DEAD] ?? 0) + (byBuild[DEAD_EMBEDDING] ?? 0);
    // it met the dead build, and ejected it within a handful of requests
    expect(dead).toBeGreaterThan(0);
    expect(dead).toBeLessThanOrEqual(20);
  });
});
