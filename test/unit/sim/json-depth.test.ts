import { describe, expect, it } from 'vitest';
import { MAX_NESTING, nestingDepth } from '../../../src/sim/json-depth.js';
import { withSim } from '../../support/sim.js';

describe('nestingDepth', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[[["}', 1],
    ['{"a":"\\\\","b":[[]]}', 3],
  ])('%s → %i', (text, depth) => {
    expect(nestingDepth(text)).toBe(depth);
  });

  it('measures a million levels without recursing', () => {
    const n = 1_000_000;
    expect(nestingDepth('['.repeat(n) + ']'.repeat(n))).toBe(n);
  });
});

describe('a body nested past the limit', () => {
  const deep = (levels: number) =>
    `{"contents":[{"parts":[{"text":"hi","x":${'['.repeat(levels)}${']'.repeat(levels)}}]}]}`;
  const chatWithDeepTool = (levels: number) =>
    `{"model":"sim-model","messages":[{"role":"user","content":"hi"},{"role":"tool","content":${'['.repeat(levels)}${']'.repeat(levels)}}]}`;

  it('gets 400 INVALID_ARGUMENT on both surfaces, not the 500 of an overflowed stack', async () => {
    await withSim({ scenario: { models: { 'sim-model': {} } } }, async (sim) => {
      const post = (path: string, body: string) => fetch(`${sim.url}${path}`, { method: 'POST', body });
      for (const [path, body] of [
        ['/v1beta/models/sim-model:generateContent', deep(100_000)],
        ['/v1beta/openai/chat/completions', chatWithDeepTool(100_000)],
      ] as const) {
        const res = await post(path, body);
        expect(res.status).toBe(400);
        const parsed = (await res.json()) as unknown;
        const error = (Array.isArray(parsed) ? parsed[0] : parsed) as { error: { status: string } };
        expect(error.error.status).toBe('INVALID_ARGUMENT');
      }
      // exactly at the limit is still a request (the body's own wrapping counts: 5 levels above `x`)
      expect((await post('/v1beta/models/sim-model:generateContent', deep(MAX_NESTING - 5))).status).toBe(
        200,
      );
      expect((await post('/v1beta/models/sim-model:generateContent', deep(MAX_NESTING - 4))).status).toBe(
        400,
      );
    });
  });
});
