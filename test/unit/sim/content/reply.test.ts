import { describe, expect, it } from 'vitest';
import { composeReply } from '../../../../src/sim/content/reply.js';

const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  contents: [{ role: 'user', parts: [{ text }] }],
  ...extra,
});

const weatherTool = {
  tools: [
    {
      functionDeclarations: [
        {
          name: 'send_email',
          parameters: { type: 'OBJECT', properties: { to: { type: 'STRING', format: 'email' } } },
        },
        {
          name: 'get_current_weather',
          parameters: {
            type: 'OBJECT',
            properties: {
              location: { type: 'STRING' },
              unit: { type: 'STRING', enum: ['celsius', 'fahrenheit'] },
              days: { type: 'INTEGER', minimum: 1 },
              hourly: { type: 'BOOLEAN' },
            },
            required: ['location'],
          },
        },
      ],
    },
  ],
};

describe('composeReply: text', () => {
  it('quotes the last user text and is the same for the same prompt', () => {
    const a = composeReply(ask('hello there'), 40);
    expect(a.text).toMatch(/^Here is a reply to "hello there"\./);
    expect(composeReply(ask('hello there'), 40)).toEqual(a);
    expect(composeReply(ask('something else'), 40).text).not.toBe(a.text);
    expect(a.finishReason).toBe('STOP');
  });

  it('runs to about responseTokens tokens, counted as chars/4', () => {
    const short = composeReply(ask('hi'), 10);
    const long = composeReply(ask('hi'), 400);
    expect(long.candidatesTokens).toBeGreaterThanOrEqual(400);
    expect(long.candidatesTokens).toBeLessThan(430);
    expect(short.candidatesTokens).toBeLessThan(40);
    expect(long.candidatesTokens).toBe(Math.ceil(long.text!.length / 4));
  });

  it('counts more prompt tokens for a longer prompt, a system instruction and inline media by size', () => {
    const small = composeReply(ask('hi'), 10).prompt.total;
    const bigger = composeReply(ask('hi '.repeat(400)), 10).prompt.total;
    expect(bigger).toBeGreaterThan(small * 100);
    const withSystem = composeReply(
      ask('hi', { systemInstruction: { parts: [{ text: 'be brief '.repeat(10) }] } }),
      10,
    );
    expect(withSystem.prompt.total).toBeGreaterThan(small);
    const image = (bytes: number) =>
      composeReply(
        {
          contents: [
            {
              role: 'user',
              parts: [
                { text: 'describe' },
                { inlineData: { mimeType: 'image/png', data: 'A'.repeat((bytes * 4) / 3) } },
              ],
            },
          ],
        },
        10,
      ).prompt;
    const small10k = image(10_000);
    const big100k = image(100_000);
    expect(small10k.details).toEqual([
      { modality: 'TEXT', tokenCount: 2 },
      { modality: 'IMAGE', tokenCount: 100 },
    ]);
    expect(big100k.details[1]).toEqual({ modality: 'IMAGE', tokenCount: 1000 });
  });

  it('stops at maxOutputTokens with MAX_TOKENS', () => {
    const reply = composeReply(ask('hi', { generationConfig: { maxOutputTokens: 5 } }), 40);
    expect(reply.finishReason).toBe('MAX_TOKENS');
    expect(reply.candidatesTokens).toBe(5);
  });

  it('accepts snake_case field names like the real proto3 parser', () => {
    const reply = composeReply(ask('hi', { generation_config: { max_output_tokens: 3 } }), 40);
    expect(reply.finishReason).toBe('MAX_TOKENS');
  });
});

describe('composeReply: thinking', () => {
  it('adds a thought and thoughtsTokenCount when includeThoughts is set', () => {
    const reply = composeReply(
      ask('hi', { generationConfig: { thinkingConfig: { includeThoughts: true } } }),
      40,
    );
    expect(reply.thought).toContain('"hi"');
    expect(reply.thoughtsTokens).toBe(Math.ceil(reply.thought!.length / 4));
    expect(composeReply(ask('hi'), 40).thought).toBeUndefined();
    const off = composeReply(
      ask('hi', { generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 0 } } }),
      40,
    );
    expect(off.thought).toBeUndefined();
  });
});

describe('composeReply: function calling', () => {
  it('calls the declared function the prompt is about, with args that fit its schema', () => {
    const reply = composeReply(ask('What is the weather in Paris today?', weatherTool), 40);
    expect(reply.text).toBeUndefined();
    expect(reply.finishReason).toBe('STOP');
    expect(reply.functionCall).toEqual({
      name: 'get_current_weather',
      args: { location: 'Paris', unit: 'celsius', days: 1, hourly: true },
    });
  });

  it('answers in text once the last turn is the function response', () => {
    const reply = composeReply(
      {
        contents: [
          { role: 'user', parts: [{ text: 'weather in Paris?' }] },
          {
            role: 'model',
            parts: [{ functionCall: { name: 'get_current_weather', args: { location: 'Paris' } } }],
          },
          {
            role: 'user',
            parts: [{ functionResponse: { name: 'get_current_weather', response: { temperature: 21 } } }],
          },
        ],
        ...weatherTool,
      },
      40,
    );
    expect(reply.functionCall).toBeUndefined();
    expect(reply.text).toMatch(/^The get_current_weather tool returned \{"temperature":21\}\./);
  });

  it('honours toolConfig: mode NONE answers text, allowedFunctionNames restricts the choice', () => {
    const none = composeReply(
      ask('weather in Paris', { ...weatherTool, toolConfig: { functionCallingConfig: { mode: 'NONE' } } }),
      40,
    );
    expect(none.functionCall).toBeUndefined();
    const only = composeReply(
      ask('weather in Paris', {
        ...weatherTool,
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['send_email'] } },
      }),
      40,
    );
    expect(only.functionCall).toEqual({ name: 'send_email', args: { to: 'user@example.com' } });
  });

  it('reads JSON-Schema parameters too', () => {
    const reply = composeReply(
      ask('look up Ada', {
        tools: [
          {
            functionDeclarations: [
              {
                name: 'lookup',
                parametersJsonSchema: {
                  type: 'object',
                  properties: { who: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
                },
              },
            ],
          },
        ],
      }),
      40,
    );
    expect(reply.functionCall).toEqual({ name: 'lookup', args: { who: 'Ada', tags: ['Ada'] } });
  });
});

describe('composeReply: JSON mode', () => {
  it('answers JSON that has the shape of responseSchema', () => {
    const reply = composeReply(
      ask('list a recipe', {
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: {
            type: 'ARRAY',
            items: {
              type: 'OBJECT',
              properties: {
                name: { type: 'STRING' },
                minutes: { type: 'NUMBER' },
                vegan: { type: 'BOOLEAN' },
              },
              propertyOrdering: ['vegan', 'name', 'minutes'],
            },
          },
        },
      }),
      40,
    );
    const value = JSON.parse(reply.text!);
    expect(value).toEqual([{ vegan: true, name: 'recipe', minutes: 1 }]);
    expect(Object.keys(value[0])).toEqual(['vegan', 'name', 'minutes']);
  });

  it('answers a JSON object without a schema, and an enum value for text/x.enum', () => {
    const plain = composeReply(ask('hi', { generationConfig: { responseMimeType: 'application/json' } }), 40);
    expect(JSON.parse(plain.text!)).toEqual({ answer: 'hi' });
    const choice = composeReply(
      ask('pick', {
        generationConfig: {
          responseMimeType: 'text/x.enum',
          responseSchema: { type: 'STRING', enum: ['red', 'blue'] },
        },
      }),
      40,
    );
    expect(choice.text).toBe('red');
  });
});
