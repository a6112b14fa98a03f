import { describe, expect, it } from 'vitest';
import {
  BodyScanner,
  rewriteModelFields,
  scanBody,
  scanBodyInSlices,
} from '../../../src/wire/model-fields.js';

const fieldsOf = (json: string) => {
  const scan = scanBody(Buffer.from(json));
  if ('error' in scan) throw new Error(scan.error);
  return scan.fields.map((f) => [f.path, f.value]);
};

describe('scanBody: where a body names the model', () => {
  it.each([
    [
      'OpenAI chat',
      '{"model":"my-flash","messages":[{"role":"user","content":"hi"}]}',
      [['model', 'my-flash']],
    ],
    [
      'batchEmbedContents, every request',
      '{"requests":[{"model":"models/my-embed","content":{}},{"content":{},"model":"models/my-embed"}]}',
      [
        ['requests[].model', 'models/my-embed'],
        ['requests[].model', 'models/my-embed'],
      ],
    ],
    [
      'countTokens, generateContentRequest form',
      '{"generateContentRequest":{"model":"models/m","contents":[]}}',
      [['generateContentRequest.model', 'models/m']],
    ],
    [
      'countTokens, snake_case form',
      '{"generate_content_request":{"contents":[],"model":"m"}}',
      [['generateContentRequest.model', 'm']],
    ],
    ['embedContent', '{"model":"models/e","content":{"parts":[{"text":"a"}]}}', [['model', 'models/e']]],
    ['generateContent names no model', '{"contents":[{"parts":[{"text":"hi"}]}]}', []],
    [
      'a "model" key deeper in the body is content, not a model field',
      '{"contents":[{"parts":[{"text":"x","model":"not-me"}]}],"tools":[{"model":"nor-me"}]}',
      [],
    ],
    [
      'prompt text that looks like a field is skipped',
      '{"contents":[{"parts":[{"text":"\\"model\\": \\"evil\\""}]}],"model":"ok"}',
      [['model', 'ok']],
    ],
    ['an escaped key still counts', '{"mod\\u0065l":"sneaky"}', [['model', 'sneaky']]],
    [
      'duplicate keys are all found',
      '{"model":"a","model":"b"}',
      [
        ['model', 'a'],
        ['model', 'b'],
      ],
    ],
    ['a non-string model is not a field', '{"model":42}', []],
  ])('%s', (_name, json, expected) => {
    expect(fieldsOf(json)).toEqual(expected);
  });

  it.each([
    ['{"stream":true,"model":"m"}', true],
    ['{"stream":false}', false],
    ['{"stream":"true"}', undefined],
    ['{"x":{"stream":true}}', undefined],
  ])('reads the top-level stream flag of %s', (json, stream) => {
    const scan = scanBody(Buffer.from(json));
    expect('error' in scan ? scan.error : scan.stream).toBe(stream);
  });

  it.each([
    ['', 'ends before'],
    ['{', 'ends before'],
    ['[1,2]', 'expected a JSON object'],
    ['"model"', 'expected a JSON object'],
    ['{"model":"a"} x', 'after the JSON'],
    ['{"model":"a}', 'unterminated'],
    ['{"a":1,}', 'field name'],
    ['{"a" 1}', "expected ':'"],
    ['{"a":[1,2}', "expected ',' or ']'"],
    ['{"a":tru}', 'bad literal'],
    ['{"a":@}', 'unexpected character'],
    [`{"a":${'['.repeat(150)}${']'.repeat(150)}}`, 'nested deeper than 100'],
  ])('refuses %j', (json, reason) => {
    const scan = scanBody(Buffer.from(json));
    expect('error' in scan ? scan.error : 'accepted').toContain(reason);
  });

  it('skips a large string with one search and finds the field after it', () => {
    const image = 'A'.repeat(5_000_000);
    const body = Buffer.from(
      `{"requests":[{"content":{"parts":[{"inlineData":{"data":"${image}"}}]},"model":"models/x"}]}`,
    );
    expect(fieldsOf(body.toString())).toEqual([['requests[].model', 'models/x']]);
  });

  it('in slices, a large body gives the same answer as at once', async () => {
    const body = Buffer.from(`{"a":[${'1,'.repeat(2_000_000)}1],"model":"m","stream":true}`);
    const sliced = await scanBodyInSlices(body);
    expect(sliced).toEqual(scanBody(body));
    const scanner = new BodyScanner(body);
    expect(scanner.step(1024)).toBe(false);
  });
});

describe('rewriteModelFields', () => {
  const rewrite = (json: string, model: string) => {
    const body = Buffer.from(json);
    const scan = scanBody(body);
    if ('error' in scan) throw new Error(scan.error);
    return rewriteModelFields(body, scan.fields, model).toString();
  };

  it('names the target in every field, keeping each field’s form and every other byte', () => {
    expect(
      rewrite(
        '{ "requests" : [ {"model": "models/my-embed", "content":{"parts":[{"text":"1.0e0"}]}}, {"model":"my-embed"} ] }',
        'text-embedding-004',
      ),
    ).toBe(
      '{ "requests" : [ {"model": "models/text-embedding-004", "content":{"parts":[{"text":"1.0e0"}]}}, {"model":"text-embedding-004"} ] }',
    );
  });

  it('rewrites whatever the client wrote, a provider model name included', () => {
    expect(rewrite('{"model":"gemini-3.5-flash","messages":[]}', 'gemini-flash-latest')).toBe(
      '{"model":"gemini-flash-latest","messages":[]}',
    );
  });

  it('returns the same buffer when every field already names the target', () => {
    const body = Buffer.from('{"model":"models/t"}');
    const scan = scanBody(body);
    if ('error' in scan) throw new Error(scan.error);
    expect(rewriteModelFields(body, scan.fields, 't')).toBe(body);
  });
});
