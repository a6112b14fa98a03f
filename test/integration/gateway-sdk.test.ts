import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let ai: GoogleGenAI;

beforeAll(async () => {
  stack = await startStack();
  ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: stack.url, apiVersion: 'v1beta' } });
});
afterAll(() => stack.close());

describe('@google/genai through the gateway', () => {
  it('generateContent on the incident alias succeeds every time, and says which build served', async () => {
    for (let i = 0; i < 30; i++) {
      const r = await ai.models.generateContent({ model: 'gemini-3.5-flash', contents: `question ${i}` });
      expect(r.text?.length).toBeGreaterThan(0);
      expect(r.sdkHttpResponse?.headers?.['x-aliasgate-target']).toBe('sim/gemini-3.5-flash-001');
    }
  });

  it('generateContentStream yields every chunk and finishes', async () => {
    for (let i = 0; i < 10; i++) {
      const chunks = [];
      for await (const c of await ai.models.generateContentStream({
        model: 'gemini-3.5-flash',
        contents: 'stream please',
      })) {
        chunks.push(c);
      }
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
    }
  });

  it('the SDK default API version (v1) works too', async () => {
    const v1 = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: stack.url } });
    const r = await v1.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    expect(r.text).toBeTruthy();
  });

  it('models.list shows the aliases, not the builds, with their stage', async () => {
    const names: string[] = [];
    const descriptions: Record<string, string | undefined> = {};
    for await (const m of await ai.models.list({ config: { pageSize: 2 } })) {
      names.push(m.name!);
      descriptions[m.name!] = m.description;
    }
    expect(names).toContain('models/gemini-3.5-flash');
    expect(names).not.toContain('models/gemini-v4p1s-rev24-ajax-sentinel');
    expect(descriptions['models/gemini-2.0-flash']).toMatch(/deprecated.*gemini-2\.5-flash/);
    const raw = (await (await fetch(`${stack.url}/v1beta/models/gemini-2.0-flash`)).json()) as Record<
      string,
      unknown
    >;
    expect(raw).toMatchObject({
      name: 'models/gemini-2.0-flash',
      stage: 'deprecated',
      replacement: 'gemini-2.5-flash',
      shutdown: '2026-12-31',
    });
  });

  it('an unknown alias is an ApiError 404', async () => {
    const err = await ai.models
      .generateContent({ model: 'gemini-0-nano', contents: 'hi' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
  });
});

describe('the incident’s own checks, pointed at the gateway', () => {
  it('aliasgate probe reports 0% failures for gemini-3.5-flash', async () => {
    const run = await runCli([
      'probe',
      '--base-url',
      stack.url,
      '-m',
      'gemini-3.5-flash',
      '-n',
      '100',
      '--json',
      '--max-failure-rate',
      '0',
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/"failed":\s*0/);
  });

  it('the incident curl loop returns 25 of 25', async () => {
    let ok = 0;
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${stack.url}/v1beta/models/gemini-3.5-flash:generateContent?key=anything`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"contents":[{"parts":[{"text":"hi"}]}]}',
      });
      const text = await res.text();
      if (res.status === 200 && !text.includes('"message"')) ok++;
    }
    expect(ok).toBe(25);
  });
});
