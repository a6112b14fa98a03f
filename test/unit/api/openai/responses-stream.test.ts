import { describe, expect, it } from 'vitest';
import {
  isResponsesError,
  type ResponseMeta,
  responsesRequest,
  responsesResult,
} from '../../../../src/api/openai/responses.js';
import { ResponsesEventStream } from '../../../../src/api/openai/responses-stream.js';
import type { GenerateContentResponse, Part } from '../../../../src/wire/types.js';

const call = responsesRequest({ model: 'gemini-2.5-flash', input: 'hi', stream: true });
if (isResponsesError(call)) throw new Error(call.error.message);
const meta: ResponseMeta = { id: 'resp_s1', createdAt: 1_700_000_000, model: 'gemini-2.5-flash', call };

interface Event {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** Splits frames as an SSE reader does, checking each has `event: <type>` matching its data's type. */
function parse(frames: string): Event[] {
  expect(frames.endsWith('\n\n') || frames === '').toBe(true);
  return frames
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const data = JSON.parse(dataLine!.slice('data: '.length)) as Event;
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

function chunk(parts: Part[], last?: { finishReason: string }): GenerateContentResponse {
  return {
    candidates: [{ content: { role: 'model', parts }, ...(last ?? {}), index: 0 }],
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 6, totalTokenCount: 10 },
  };
}

function run(chunks: GenerateContentResponse[]): Event[] {
  const stream = new ResponsesEventStream(meta);
  return parse(chunks.map((c) => stream.chunk(c)).join('') + stream.end());
}

/** The answer the chunks add up to, as one unary response (Gemini's stream is deltas of one candidate). */
function merged(chunks: GenerateContentResponse[]): GenerateContentResponse {
  const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
  const finishReason = chunks.at(-1)?.candidates?.[0]?.finishReason;
  return { ...chunk(parts, finishReason ? { finishReason } : undefined) };
}

describe('ResponsesEventStream', () => {
  const text = [
    chunk([{ text: 'Hel' }]),
    chunk([{ text: 'lo ' }]),
    chunk([{ text: 'there.' }], { finishReason: 'STOP' }),
  ];

  it('text: the event order the SDKs rebuild from, numbered from 0 without gaps', () => {
    const events = run(text);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]).toMatchObject({
      response: { id: 'resp_s1', status: 'in_progress', output: [], usage: null },
    });
    expect(events[2]).toMatchObject({
      output_index: 0,
      item: { id: 'msg_s1_0', type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    });
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.map((e) => e.delta).join('')).toBe('Hello there.');
    expect(
      deltas.every((e) => e.item_id === 'msg_s1_0' && e.output_index === 0 && e.content_index === 0),
    ).toBe(true);
    expect(events[7]).toMatchObject({ text: 'Hello there.' });
  });

  it.each([
    ['text', text],
    [
      'thoughts, text, then two calls',
      [
        chunk([{ text: '**Plan**', thought: true }]),
        chunk([{ text: ' more', thought: true }, { text: 'Checking.' }]),
        chunk(
          [
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'AAEC' },
            { functionCall: { name: 'get_time', args: {} } },
          ],
          { finishReason: 'STOP' },
        ),
      ],
    ],
    ['cut at max tokens', [chunk([{ text: 'Partial' }], { finishReason: 'MAX_TOKENS' })]],
  ])('%s: the final response equals the unary translation of the same answer', (_name, chunks) => {
    const events = run(chunks);
    const final = events.at(-1)!;
    expect(final.response).toEqual(responsesResult(merged(chunks), meta));
    // every item the client saw finish is in the final output, in order
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect((final.response as { output: unknown[] }).output).toEqual(done);
  });

  it('thoughts stream as a reasoning summary; a call opens, carries its arguments in one delta, and closes', () => {
    const events = run([
      chunk([{ text: 'Think', thought: true }]),
      chunk([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }], { finishReason: 'STOP' }),
    ]);
    expect(events.slice(2).map((e) => [e.type, e.output_index])).toEqual([
      ['response.output_item.added', 0],
      ['response.reasoning_summary_part.added', 0],
      ['response.reasoning_summary_text.delta', 0],
      ['response.reasoning_summary_text.done', 0],
      ['response.reasoning_summary_part.done', 0],
      ['response.output_item.done', 0],
      ['response.output_item.added', 1],
      ['response.function_call_arguments.delta', 1],
      ['response.function_call_arguments.done', 1],
      ['response.output_item.done', 1],
      ['response.completed', undefined],
    ]);
    expect(events[2]).toMatchObject({ item: { id: 'rs_s1_0', type: 'reasoning', summary: [] } });
    expect(events[4]).toMatchObject({ item_id: 'rs_s1_0', summary_index: 0, delta: 'Think' });
    expect(events[8]).toMatchObject({
      item: {
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        name: 'get_weather',
        call_id: 'call_s1_1',
      },
    });
    expect(events[9]).toMatchObject({ item_id: 'fc_s1_1', delta: '{"city":"Oslo"}' });
    expect(events[10]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
  });

  it('MAX_TOKENS ends with response.incomplete (reason max_output_tokens) and the message marked incomplete', () => {
    const events = run([chunk([{ text: 'Partial' }], { finishReason: 'MAX_TOKENS' })]);
    expect(events.at(-2)).toMatchObject({
      type: 'response.output_item.done',
      item: { status: 'incomplete' },
    });
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('fail() closes the open item and ends with response.failed carrying the error; nothing follows', () => {
    const stream = new ResponsesEventStream(meta);
    let frames = stream.chunk(chunk([{ text: 'Half an ans' }]));
    frames += stream.fail({ message: 'upstream stream broke' });
    const events = parse(frames);
    expect(events.slice(-4).map((e) => e.type)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.failed',
    ]);
    expect(events.at(-1)).toMatchObject({
      response: {
        status: 'failed',
        error: { code: 'server_error', message: 'upstream stream broke' },
        output: [{ type: 'message', status: 'incomplete', content: [{ text: 'Half an ans' }] }],
      },
    });
    expect(stream.chunk(chunk([{ text: 'more' }])) + stream.end() + stream.fail({ message: 'x' })).toBe('');
  });

  it('an error before any chunk still starts the response, so the SDKs see a well-formed failure', () => {
    const stream = new ResponsesEventStream(meta);
    const events = parse(stream.fail({ message: 'deadline', code: 'timeout' }));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.failed',
    ]);
    expect(events[2]).toMatchObject({ response: { error: { code: 'timeout', message: 'deadline' } } });
  });

  it('empty chunks (usage only, empty text) open no item; a stream with no content completes with no output', () => {
    const events = run([
      { usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } },
      chunk([{ text: '' }], { finishReason: 'STOP' }),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({
      response: { status: 'completed', output: [], usage: { input_tokens: 4 } },
    });
  });
});
