import { describe, expect, it } from 'vitest';
import {
  isResponsesError,
  openaiErrorFromGoogle,
  type ResponseMeta,
  responsesRequest,
  responsesResult,
} from '../../../../src/api/openai/responses.js';
import type { GenerateContentResponse, Part } from '../../../../src/wire/types.js';

const call = responsesRequest({ model: 'gemini-2.5-flash', input: 'hi', instructions: 'Be brief.' });
if (isResponsesError(call)) throw new Error(call.error.message);
const meta: ResponseMeta = { id: 'resp_r1', createdAt: 1_700_000_000, model: 'gemini-2.5-flash', call };

const SIGNATURE = 'c2lnbmF0dXJlIGJ5dGVzIMO/w74=';
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 22 };

function answer(parts: Part[], finishReason = 'STOP', extra: Partial<GenerateContentResponse> = {}) {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
    usageMetadata: USAGE,
    modelVersion: 'gemini-2.5-flash-002',
    ...extra,
  };
}

describe('responsesResult', () => {
  it('a text answer: one completed message, usage with reasoning inside output_tokens, parameters echoed', () => {
    const r = responsesResult(answer([{ text: 'Hello ' }, { text: 'there.' }]), meta);
    expect(r).toMatchObject({
      id: 'resp_r1',
      object: 'response',
      created_at: 1_700_000_000,
      model: 'gemini-2.5-flash',
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      output: [
        {
          id: 'msg_r1_0',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello there.', annotations: [], logprobs: [] }],
        },
      ],
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 7 },
        total_tokens: 22,
      },
    });
  });

  it('thoughts become a reasoning item with a summary; a signed call a function_call whose call_id carries the signature', () => {
    const r = responsesResult(
      answer([
        { text: '**Plan**', thought: true },
        { text: ' call the tool', thought: true },
        { text: 'Let me check.' },
        { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: SIGNATURE },
        { functionCall: { name: 'get_time' } },
      ]),
      meta,
    );
    expect(r.output).toEqual([
      {
        id: 'rs_r1_0',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: '**Plan** call the tool' }],
      },
      expect.objectContaining({ id: 'msg_r1_1', type: 'message' }),
      {
        id: 'fc_r1_2',
        type: 'function_call',
        status: 'completed',
        name: 'get_weather',
        arguments: '{"city":"Lisbon"}',
        call_id: `call_r1_2.ts.${Buffer.from(SIGNATURE, 'base64').toString('base64url')}`,
      },
      {
        id: 'fc_r1_3',
        type: 'function_call',
        status: 'completed',
        name: 'get_time',
        arguments: '{}',
        call_id: 'call_r1_3',
      },
    ]);
  });

  it('the function_call items, sent back with their outputs, reach Gemini as the signed calls it made', () => {
    const calls = [
      { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: 'get_time', args: {} } },
    ];
    const first = responsesResult(answer(calls), meta);
    const items = first.output as { type: string; call_id: string }[];
    const next = responsesRequest({
      model: 'gemini-2.5-flash',
      input: [
        { role: 'user', content: 'hi' },
        ...items,
        ...items.map((i) => ({ type: 'function_call_output', call_id: i.call_id, output: '{"ok":true}' })),
      ],
    });
    if (isResponsesError(next)) throw new Error(next.error.message);
    expect(next.request.contents?.[1]).toEqual({ role: 'model', parts: calls });
  });

  it.each([
    [
      'MAX_TOKENS',
      { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
      'incomplete',
    ],
    ['SAFETY', { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, 'incomplete'],
    ['RECITATION', { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, 'incomplete'],
    [
      'MALFORMED_FUNCTION_CALL',
      { status: 'incomplete', incomplete_details: { reason: 'malformed_function_call' } },
      'incomplete',
    ],
    ['STOP', { status: 'completed', incomplete_details: null }, 'completed'],
  ])('finishReason %s', (finishReason, expected, messageStatus) => {
    const r = responsesResult(answer([{ text: 'Partial' }], finishReason), meta);
    expect(r).toMatchObject(expected);
    expect((r.output as { status: string }[])[0]!.status).toBe(messageStatus);
  });

  it('a blocked prompt (no candidates) is incomplete for content_filter with no output', () => {
    const r = responsesResult({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: USAGE }, meta);
    expect(r).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: [],
    });
  });

  it('cached and tool-use prompt tokens count as input; no usageMetadata gives usage null', () => {
    const r = responsesResult(
      answer([{ text: 'x' }], 'STOP', {
        usageMetadata: {
          promptTokenCount: 100,
          cachedContentTokenCount: 60,
          toolUsePromptTokenCount: 4,
          candidatesTokenCount: 3,
        },
      }),
      meta,
    );
    expect(r.usage).toEqual({
      input_tokens: 104,
      input_tokens_details: { cached_tokens: 60 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 107,
    });
    expect(responsesResult({ candidates: [] }, meta).usage).toBeNull();
  });

  it('parts with no Responses item (empty text, code) are left out', () => {
    const r = responsesResult(
      answer([{ text: '' }, { executableCode: { code: 'print(1)' } }, { text: 'Done.' }]),
      meta,
    );
    expect(r.output).toEqual([
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'Done.' })] }),
    ]);
  });
});

describe('openaiErrorFromGoogle', () => {
  it.each([
    [400, 'INVALID_ARGUMENT', 'invalid_request_error'],
    [404, 'NOT_FOUND', 'not_found_error'],
    [429, 'RESOURCE_EXHAUSTED', 'rate_limit_error'],
    [503, 'UNAVAILABLE', 'server_error'],
  ])('%i %s → type %s, status and message kept', (code, status, type) => {
    expect(openaiErrorFromGoogle(code, { code, status, message: 'upstream said so' })).toEqual({
      status: code,
      error: { message: 'upstream said so', type, param: null, code: status },
    });
  });
});
