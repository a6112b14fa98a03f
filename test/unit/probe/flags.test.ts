import { describe, expect, it } from 'vitest';
import { isUsageError } from '../../../src/errors.js';
import { type ProbeFlags, parseProbeFlags } from '../../../src/probe/flags.js';

const base: ProbeFlags = {
  baseUrl: 'http://127.0.0.1:8787/',
  model: ['gemini-3.5-flash'],
  calls: '25',
  concurrency: '4',
  timeout: '30000',
};
const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

function parse(over: Partial<ProbeFlags>, env: Record<string, string> = {}, readText = noFile) {
  return parseProbeFlags({ ...base, ...over }, env, readText);
}

function usageError(over: Partial<ProbeFlags>, readText = noFile): string {
  try {
    parse(over, {}, readText);
  } catch (e) {
    if (isUsageError(e)) return e.message;
    throw e;
  }
  throw new Error('no UsageError');
}

describe('parseProbeFlags', () => {
  it('builds the incident request by default', () => {
    const { options, json, maxFailureRate } = parse({ model: ['models/a', 'b', 'a'] });
    expect(options).toMatchObject({
      baseUrl: 'http://127.0.0.1:8787',
      apiVersion: 'v1beta',
      models: ['a', 'b'],
      calls: 25,
      concurrency: 4,
      stream: false,
      timeoutMs: 30_000,
      body: { contents: [{ parts: [{ text: 'hi' }] }] },
      bodySource: { prompt: 'hi' },
    });
    expect(options.apiKey).toBeUndefined();
    expect(json).toBe(false);
    expect(maxFailureRate).toBeUndefined();
  });

  it('keeps a base URL path prefix', () => {
    expect(parse({ baseUrl: 'https://h.example/gw/google/' }).options.baseUrl).toBe(
      'https://h.example/gw/google',
    );
  });

  it('takes the key from --key, then GEMINI_API_KEY, then GOOGLE_API_KEY', () => {
    expect(
      parse({ key: 'flag' }, { GEMINI_API_KEY: 'gemini', GOOGLE_API_KEY: 'google' }).options.apiKey,
    ).toBe('flag');
    expect(parse({}, { GEMINI_API_KEY: 'gemini', GOOGLE_API_KEY: 'google' }).options.apiKey).toBe('gemini');
    expect(parse({}, { GEMINI_API_KEY: '', GOOGLE_API_KEY: 'google' }).options.apiKey).toBe('google');
  });

  it('reads --body as JSON and remembers the file for the report', () => {
    const { options } = parse({ body: 'req.json' }, {}, () => '{"contents":[{"parts":[{"text":"x"}]}]}');
    expect(options.body).toEqual({ contents: [{ parts: [{ text: 'x' }] }] });
    expect(options.bodySource).toEqual({ file: 'req.json' });
  });

  it('accepts the threshold ends and a custom prompt', () => {
    expect(parse({ maxFailureRate: '0' }).maxFailureRate).toBe(0);
    expect(parse({ maxFailureRate: '1' }).maxFailureRate).toBe(1);
    expect(parse({ prompt: 'ping' }).options.body).toEqual({ contents: [{ parts: [{ text: 'ping' }] }] });
  });

  it.each<[string, Partial<ProbeFlags>, string]>([
    ['no model', { model: [] }, 'no model to probe: pass -m MODEL'],
    ['a model with a slash', { model: ['tunedModels/x'] }, "-m: 'tunedModels/x' is not a model id"],
    ['-n 0', { calls: '0' }, "-n/--calls must be a whole number ≥ 1 (got '0')"],
    ['-n abc', { calls: 'abc' }, "-n/--calls must be a whole number ≥ 1 (got 'abc')"],
    ['-n 2.5', { calls: '2.5' }, '-n/--calls must be a whole number ≥ 1'],
    ['--concurrency 0', { concurrency: '0' }, '--concurrency must be a whole number ≥ 1'],
    ['--timeout 0', { timeout: '0' }, "--timeout must be a number of milliseconds > 0 (got '0')"],
    ['--timeout -5', { timeout: '-5' }, '--timeout must be a number of milliseconds > 0'],
    [
      'rate above 1',
      { maxFailureRate: '1.5' },
      "--max-failure-rate must be a rate between 0 and 1, e.g. 0.05 (got '1.5')",
    ],
    ['rate not a number', { maxFailureRate: '5%' }, '--max-failure-rate must be a rate between 0 and 1'],
    [
      'no scheme',
      { baseUrl: 'localhost:8080' },
      "--base-url must start with http:// or https:// (got 'localhost:8080')",
    ],
    [
      'not a URL',
      { baseUrl: 'generativelanguage.googleapis.com' },
      "--base-url must start with http:// or https:// (got 'generativelanguage.googleapis.com')",
    ],
    [
      'a key in the URL',
      { baseUrl: 'https://h.example/?key=abc' },
      '--base-url must not have a query or fragment',
    ],
    [
      'the API version in the URL',
      { baseUrl: 'https://h.example/v1beta/' },
      '--base-url must not end with the API version',
    ],
    ['prompt and body', { prompt: 'x', body: 'f.json' }, '--prompt and --body cannot be used together'],
    ['a missing body file', { body: 'nope.json' }, "--body: cannot read 'nope.json' (ENOENT)"],
  ])('rejects %s with one line', (_name, over, message) => {
    const text = usageError(over);
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });

  it('rejects a body file that is not JSON', () => {
    expect(usageError({ body: 'b.json' }, () => '{nope')).toBe("--body: 'b.json' is not valid JSON");
  });
});
