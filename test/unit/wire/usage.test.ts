import { describe, expect, it } from 'vitest';
import { usageIn } from '../../../src/wire/usage.js';

describe('usageIn', () => {
  it.each([
    [
      'a unary Gemini answer',
      '{"candidates":[],"usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 3, "totalTokenCount": 11}}',
      { prompt: 8, output: 3 },
    ],
    [
      'a Gemini stream: the running total of the last event counts',
      'data: {"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 3}}\r\n\r\ndata: {"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 9,"thoughtsTokenCount": 4}}\r\n\r\n',
      { prompt: 8, output: 13 },
    ],
    [
      'an OpenAI answer',
      '{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}',
      { prompt: 12, output: 5 },
    ],
    ['no usage', '{"embedding":{"values":[1,2]}}', undefined],
  ])('%s', (_n, text, usage) => {
    expect(usageIn(text)).toEqual(usage);
  });
});
