import { describe, expect, it } from 'vitest';
import { parseGeminiPath } from '../../../src/wire/path.js';

describe('parseGeminiPath', () => {
  it('decodes escapes in the model segment', () => {
    expect(parseGeminiPath('/v1beta/models/gemini%2D2.5-flash:generateContent')).toEqual({
      kind: 'method',
      version: 'v1beta',
      model: 'gemini-2.5-flash',
      method: 'generateContent',
    });
  });

  it.each(['%zz', '%', '%E0%A4%A', '%ff', 'a%2'])(
    'a malformed escape (%s) is kept as written, never thrown',
    (bad) => {
      expect(() => parseGeminiPath(`/v1beta/models/${bad}:generateContent`)).not.toThrow();
      expect(parseGeminiPath(`/v1beta/models/${bad}:generateContent`)).toMatchObject({
        kind: 'method',
        model: bad,
      });
      expect(parseGeminiPath(`/v1beta/models/${bad}`)).toEqual({
        kind: 'getModel',
        version: 'v1beta',
        model: bad,
      });
      expect(parseGeminiPath(`/v1beta/openai/models/${bad}`)).toEqual({
        kind: 'openaiModel',
        version: 'v1beta',
        model: bad,
      });
    },
  );
});
