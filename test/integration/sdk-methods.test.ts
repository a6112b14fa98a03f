import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { configFromObject } from '../../src/config/load.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let ai: GoogleGenAI;
let openai: OpenAI;

beforeAll(async () => {
  // the demo config: provider mode, client mode, a deprecated alias and an embedding alias over the incident fleet
  stack = await startStack({
    config: (url) =>
      configFromObject({ ...demoConfig(url), logging: { level: 'silent' }, server: { port: 0 } }),
  });
  ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: stack.url, apiVersion: 'v1beta' } });
  openai = new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1beta/openai/`, maxRetries: 0 });
});
afterAll(() => stack.close());

const MODEL = 'gemini-3.5-flash';

describe('@google/genai: every method through the gateway', () => {
  it('countTokens counts more tokens for more text', async () => {
    const short = await ai.models.countTokens({ model: MODEL, contents: 'hi' });
    const long = await ai.models.countTokens({ model: MODEL, contents: 'hi '.repeat(200) });
    expect(short.totalTokens).toBeGreaterThan(0);
    expect(long.totalTokens).toBeGreaterThan(short.totalTokens!);
  });

  it('embedContent (sent as batchEmbedContents) returns one vector per input, in order', async () => {
    const r = await ai.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['first', 'second', 'third'],
      config: { outputDimensionality: 8 },
    });
    expect(r.embeddings).toHaveLength(3);
    expect(r.embeddings?.[0]?.values).toHaveLength(8);
    expect(r.embeddings?.[0]?.values).not.toEqual(r.embeddings?.[1]?.values);
  });

  it('function calling: functionCall, then functionResponse, then text', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'weather in a city',
            parameters: {
              type: Type.OBJECT,
              properties: { city: { type: Type.STRING } },
              required: ['city'],
            },
          },
        ],
      },
    ];
    const first = await ai.models.generateContent({
      model: MODEL,
      contents: 'weather in Paris?',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } },
    });
    const call = first.functionCalls?.[0];
    expect(call?.name).toBe('get_weather');
    const second = await ai.models.generateContent({
      model: MODEL,
      contents: [
        { role: 'user', parts: [{ text: 'weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: call! }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }],
        },
      ],
      config: { tools },
    });
    expect(second.text?.length).toBeGreaterThan(0);
    expect(second.functionCalls).toBeUndefined();
  });

  it('a multimodal inlineData part is accepted and counted', async () => {
    const image = Buffer.alloc(64 * 1024, 7).toString('base64');
    const r = await ai.models.generateContent({
      model: MODEL,
      contents: [
        {
          role: 'user',
          parts: [{ text: 'describe' }, { inlineData: { mimeType: 'image/png', data: image } }],
        },
      ],
    });
    expect(r.usageMetadata?.promptTokenCount).toBeGreaterThan(100);
  });

  it('thinkingConfig with includeThoughts yields a thought part and thought tokens', async () => {
    const r = await ai.models.generateContent({
      model: MODEL,
      contents: 'think first',
      config: { thinkingConfig: { thinkingBudget: 256, includeThoughts: true } },
    });
    expect(r.candidates?.[0]?.content?.parts?.some((p) => p.thought)).toBe(true);
    expect(r.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it('responseSchema gives JSON of that shape', async () => {
    const r = await ai.models.generateContent({
      model: MODEL,
      contents: 'a city',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: Type.OBJECT,
          properties: { name: { type: Type.STRING }, population: { type: Type.INTEGER } },
        },
      },
    });
    const value = JSON.parse(r.text!) as { name: unknown; population: unknown };
    expect(typeof value.name).toBe('string');
    expect(Number.isInteger(value.population)).toBe(true);
  });

  it('errors surface as ApiError with the right status', async () => {
    const unknown = await ai.models
      .generateContent({ model: 'no-such-model', contents: 'hi' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).status).toBe(404);
    const wrongMethod = await ai.models
      .generateContent({ model: 'gemini-embedding-001', contents: 'hi' })
      .catch((e: unknown) => e);
    expect(wrongMethod).toBeInstanceOf(ApiError);
    expect((wrongMethod as ApiError).status).toBe(400);
    expect((wrongMethod as ApiError).message).toContain('embedContent');
  });
});

describe('the openai SDK through the gateway', () => {
  it('chat completion', async () => {
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streaming with stream_options.include_usage', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'stream' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it('tools', async () => {
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather in Oslo' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
    });
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
  });

  it('an error', async () => {
    const err = await openai.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
  });

  it('/v1/chat/completions is a synonym', async () => {
    const v1 = new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1/`, maxRetries: 0 });
    const r = await v1.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('GET models lists the aliases', async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toContain(MODEL);
  });
});
