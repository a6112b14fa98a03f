import { describe, expect, it } from 'vitest';
import { chatChunks, chatCompletion, chatToGenerate } from '../../../../src/sim/content/openai.js';
import { composeReply } from '../../../../src/sim/content/reply.js';

const meta = { id: 'RID', model: 'build-1', created: 1_700_000_000 };

describe('chatToGenerate', () => {
  it('maps messages, tools, limits and JSON format to a GenerateContentRequest', () => {
    const call = chatToGenerate({
      model: 'gemini-2.5-flash',
      stream: true,
      max_tokens: 50,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      tools: [
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
      ],
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: '{"ok":true}' },
      ],
    });
    expect(call).toEqual({
      model: 'gemini-2.5-flash',
      stream: true,
      request: {
        contents: [
          { role: 'user', parts: [{ text: 'hi' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
          { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: { content: { ok: true } } } }] },
        ],
        systemInstruction: { parts: [{ text: 'be brief' }] },
        tools: [
          {
            functionDeclarations: [{ name: 'f', description: 'd', parametersJsonSchema: { type: 'object' } }],
          },
        ],
        generationConfig: {
          maxOutputTokens: 50,
          responseMimeType: 'application/json',
          responseJsonSchema: { type: 'object' },
        },
      },
    });
  });

  it('rejects a request without model or messages with a Google-shaped 400', () => {
    expect(chatToGenerate({ messages: [] })).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(chatToGenerate({ model: 'm', messages: [] })).toMatchObject({ code: 400 });
  });
});

describe('chat completions', () => {
  it('a text reply becomes a chat.completion with usage', () => {
    const reply = composeReply({ contents: [{ parts: [{ text: 'hi' }] }] }, 10);
    expect(chatCompletion(reply, meta)).toEqual({
      id: 'RID',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'build-1',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 1,
        completion_tokens: reply.candidatesTokens,
        total_tokens: 1 + reply.candidatesTokens,
      },
    });
  });

  it('a function call becomes tool_calls with JSON-string arguments', () => {
    const reply = composeReply(
      {
        contents: [{ parts: [{ text: 'go' }] }],
        tools: [
          {
            functionDeclarations: [
              { name: 'f', parameters: { type: 'OBJECT', properties: { n: { type: 'INTEGER' } } } },
            ],
          },
        ],
      },
      10,
    );
    const message = (chatCompletion(reply, meta).choices as { message: { tool_calls: unknown[] } }[])[0]!
      .message;
    expect(message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^function-call-\d+$/),
        type: 'function',
        function: { name: 'f', arguments: '{"n":1}' },
      },
    ]);
  });

  it('stream chunks carry deltas; the last carries finish_reason and usage', () => {
    const reply = composeReply({ contents: [{ parts: [{ text: 'hi' }] }] }, 40);
    const chunks = chatChunks(reply, meta, 4) as {
      choices: { delta: { content: string }; finish_reason: string | null }[];
      usage?: unknown;
    }[];
    expect(chunks).toHaveLength(4);
    expect(chunks.map((c) => c.choices[0]!.delta.content).join('')).toBe(reply.text);
    expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, null, null, 'stop']);
    expect(chunks.slice(0, 3).every((c) => c.usage === undefined)).toBe(true);
    expect(chunks[3]!.usage).toBeDefined();
  });
});
