import { describe, expect, it } from 'vitest';
import { rewriteModel } from '../../../src/api/rewrite.js';

const rewrite = (text: string) => rewriteModel(Buffer.from(text), 'gemini-3.5-flash', 'build-7').toString();

describe('rewriteModel', () => {
  it.each([
    [
      'batchEmbedContents names the model in every request',
      '{"requests":[{"content":{"parts":[{"text":"a"}]},"model":"models/gemini-3.5-flash"},{"model": "models/gemini-3.5-flash"}]}',
      '{"requests":[{"content":{"parts":[{"text":"a"}]},"model":"models/build-7"},{"model": "models/build-7"}]}',
    ],
    [
      'OpenAI-compatible model without prefix',
      '{"model":"gemini-3.5-flash","messages":[]}',
      '{"model":"build-7","messages":[]}',
    ],
    [
      'countTokens generateContentRequest.model',
      '{"generateContentRequest":{"model":"models/gemini-3.5-flash","contents":[]}}',
      '{"generateContentRequest":{"model":"models/build-7","contents":[]}}',
    ],
    [
      'a look-alike model name is left alone',
      '{"model":"gemini-3.5-flash-lite"}',
      '{"model":"gemini-3.5-flash-lite"}',
    ],
    [
      'prompt text that quotes the pair is left alone (quotes inside strings are escaped)',
      '{"contents":[{"parts":[{"text":"say \\"model\\":\\"gemini-3.5-flash\\""}]}]}',
      '{"contents":[{"parts":[{"text":"say \\"model\\":\\"gemini-3.5-flash\\""}]}]}',
    ],
    [
      'unknown fields, key order and number formatting survive',
      '{"zeta":1.50,"model":"gemini-3.5-flash","alpha":{"x_unknown":[1e3]}}',
      '{"zeta":1.50,"model":"build-7","alpha":{"x_unknown":[1e3]}}',
    ],
  ])('%s', (_name, input, expected) => {
    expect(rewrite(input)).toBe(expected);
  });

  it('returns the same buffer when nothing names the alias (no copy)', () => {
    const body = Buffer.from('{"contents":[]}');
    expect(rewriteModel(body, 'gemini-3.5-flash', 'b')).toBe(body);
  });
});
