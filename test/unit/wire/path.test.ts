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
    'a malformed escape (%s) is the client’s mistake (400), never thrown',
    (bad) => {
      for (const path of [
        `/v1beta/models/${bad}:generateContent`,
        `/v1beta/models/${bad}`,
        `/v1beta/openai/models/${bad}`,
      ]) {
        expect(() => parseGeminiPath(path)).not.toThrow();
        expect(parseGeminiPath(path)).toEqual({ kind: 'badPath', version: 'v1beta' });
      }
    },
  );
});
