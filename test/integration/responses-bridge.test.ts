import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ResponsesBridge, startResponsesBridge } from '../support/responses-bridge.js';
import { oneBuild, type SimServer, type SimulatorOptions, startSimulator } from '../support/sim.js';

/**
 * Real Responses clients — the Vercel AI SDK's default OpenAI model and the openai SDK — against the translation
 * modules, with the simulator as Gemini (see test/support/responses-bridge.ts).
 */
let sim: SimServer;
let bridge: ResponsesBridge;

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator(options);
  bridge = await startResponsesBridge(sim.url);
}
afterEach(async () => {
  await bridge?.close();
  await sim?.close();
});

const MODEL = 'gemini-2.5-flash';
const aiModel = () => createOpenAI({ baseURL: bridge.baseURL, apiKey: 'test' })(MODEL);
const openaiClient = () => new OpenAI({ baseURL: bridge.baseURL, apiKey: 'test', maxRetries: 0 });
const weatherTool = () =>
  tool({
    description: 'Current weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, celsius: 24 }),
  });

describe('Vercel AI SDK (@ai-sdk/openai, Responses API) over Gemini', () => {
  beforeEach(() => start());

  it('generateText: the text, a stop, and usage that adds up', async () => {
    const r = await generateText({ model: aiModel(), system: 'Be brief.', prompt: 'Explain aliases' });
    expect(r.text).toMatch(/^Here is a reply to "Explain aliases"\./);
    expect(r.finishReason).toBe('stop');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(r.usage.totalTokens).toBe(r.usage.inputTokens! + r.usage.outputTokens!);
    expect(r.response.modelId).toBe(MODEL);
    expect(bridge.sent[0]!.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
  });

  it('streamText: every delta arrives, they join to the unary text, with the same usage', async () => {
    const whole = await generateText({ model: aiModel(), prompt: 'Stream about gateways' });
    const errors: unknown[] = [];
    const result = streamText({
      model: aiModel(),
      prompt: 'Stream about gateways',
      onError: (e) => {
        errors.push(e);
      },
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(whole.text);
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({
      inputTokens: whole.usage.inputTokens,
      outputTokens: whole.usage.outputTokens,
    });
    expect(errors).toEqual([]);
  });

  it('generateObject: an object that matches the zod schema', async () => {
    const schema = z.object({
      city: z.string(),
      population: z.number().int(),
      districts: z.array(z.string()).min(1),
      kind: z.enum(['capital', 'town']),
    });
    const { object } = await generateObject({
      model: aiModel(),
      schema,
      prompt: 'Describe the city of Lisbon',
    });
    expect(schema.parse(object)).toEqual(object);
    expect(object.city).toBe('Lisbon');
    expect(bridge.sent[0]!.generationConfig).toMatchObject({
      responseMimeType: 'application/json',
      responseJsonSchema: expect.objectContaining({ type: 'object' }),
    });
  });

  it('a tool round trip: the call, its result back to Gemini (signed as Gemini signed it), then the answer', async () => {
    const r = await generateText({
      model: aiModel(),
      prompt: 'What is the weather in Lisbon?',
      tools: { get_weather: weatherTool() },
      stopWhen: stepCountIs(3),
    });
    expect(r.steps).toHaveLength(2);
    const call = r.steps[0]!.toolCalls[0]!;
    expect(call.toolName).toBe('get_weather');
    expect(call.input).toEqual({ city: 'Lisbon' });
    expect(r.steps[0]!.finishReason).toBe('tool-calls');
    expect(r.text).toContain('The get_weather tool returned {"city":"Lisbon","celsius":24}');
    const [, modelTurn, toolTurn] = bridge.sent[1]!.contents!;
    expect(modelTurn!.parts![0]).toMatchObject({
      functionCall: { name: 'get_weather', args: { city: 'Lisbon' } },
      thoughtSignature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(toolTurn!.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { city: 'Lisbon', celsius: 24 } } },
    ]);
  });

  it('a streamed tool round trip', async () => {
    const result = streamText({
      model: aiModel(),
      prompt: 'What is the weather in Lisbon?',
      tools: { get_weather: weatherTool() },
      stopWhen: stepCountIs(3),
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).not.toContain('error');
    expect(parts).toEqual(
      expect.arrayContaining(['tool-input-start', 'tool-call', 'tool-result', 'text-delta']),
    );
    expect((await result.steps)[0]!.toolCalls[0]!.input).toEqual({ city: 'Lisbon' });
    expect(await result.text).toContain('The get_weather tool returned');
  });

  it('max output tokens: finishReason length', async () => {
    const r = await generateText({ model: aiModel(), prompt: 'Tell me everything', maxOutputTokens: 5 });
    expect(r.finishReason).toBe('length');
    expect(r.text.length).toBeLessThanOrEqual(20);
  });

  it('a second turn needs store: false; by default the SDK sends item references, refused with the fix', async () => {
    const first = await generateText({ model: aiModel(), prompt: 'Name a colour' });
    const messages = [
      { role: 'user' as const, content: 'Name a colour' },
      ...first.response.messages,
      { role: 'user' as const, content: 'And another one' },
    ];
    await expect(generateText({ model: aiModel(), messages })).rejects.toThrow(/store: false/);
    const second = await generateText({
      model: aiModel(),
      messages,
      providerOptions: { openai: { store: false } },
    });
    expect(second.text).toMatch(/^Here is a reply to "And another one"\./);
    expect(bridge.sent.at(-1)!.contents!.map((c) => c.role)).toEqual(['user', 'model', 'user']);
  });
});

/**
 * finalResponse() of the openai SDK (5.x) adds `parsed: null` to text parts (and leaves out `output_text` unless
 * a parseable text.format was given). This drops what it adds, and the response number inside item ids, so the
 * output of two responses to one prompt compare equal.
 */
function comparable(output: unknown): unknown {
  const json = JSON.stringify(output, (key, value) => (key === 'parsed' ? undefined : value));
  return JSON.parse(json.replace(/_bridge\d+_/g, '_bridgeN_'));
}

describe('openai SDK (responses) over Gemini', () => {
  beforeEach(() => start());

  it('responses.create: output_text, a completed response, usage', async () => {
    const r = await openaiClient().responses.create({
      model: MODEL,
      input: 'Explain aliases',
      instructions: 'Be brief.',
    });
    expect(r.status).toBe('completed');
    expect(r.output_text).toMatch(/^Here is a reply to "Explain aliases"\./);
    expect(r.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(r.instructions).toBe('Be brief.');
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
  });

  it('responses.create stream: the events in order, deltas joining to the unary text', async () => {
    const client = openaiClient();
    const whole = await client.responses.create({ model: MODEL, input: 'stream please' });
    const stream = await client.responses.create({ model: MODEL, input: 'stream please', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe(whole.output_text);
    expect(completed!.usage).toEqual(whole.usage);
  });

  it('responses.stream: the SDK rebuilds the same response from the events', async () => {
    const client = openaiClient();
    const whole = await client.responses.create({ model: MODEL, input: 'rebuild me' });
    const final = await client.responses.stream({ model: MODEL, input: 'rebuild me' }).finalResponse();
    expect(comparable(final.output)).toEqual(comparable(whole.output));
    expect(final.status).toBe('completed');
  });

  it('function tools: a function_call item, and text after its output', async () => {
    const client = openaiClient();
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
    ];
    const first = await client.responses.create({ model: MODEL, input: 'Weather in Oslo?', tools });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather' });
    expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({
      city: 'Oslo',
    });
    const second = await client.responses.create({
      model: MODEL,
      tools,
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        ...first.output,
        {
          type: 'function_call_output',
          call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id,
          output: '{"celsius":3}',
        },
      ],
    });
    expect(second.output_text).toContain('The get_weather tool returned {"celsius":3}');
  });

  it('reasoning with a summary: a reasoning item first, reasoning tokens counted, streamed too', async () => {
    const client = openaiClient();
    const params = {
      model: MODEL,
      input: 'Think about Lisbon',
      reasoning: { effort: 'low', summary: 'auto' },
    } as const;
    const r = await client.responses.create(params);
    expect(r.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text' }] });
    expect((r.output[0] as OpenAI.Responses.ResponseReasoningItem).summary[0]!.text).toContain(
      'Think about Lisbon',
    );
    expect(r.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(bridge.sent[0]!.generationConfig).toMatchObject({
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    const streamed = await client.responses.stream(params).finalResponse();
    expect(comparable(streamed.output)).toEqual(comparable(r.output));
  });

  it('max_output_tokens: status incomplete for max_output_tokens, unary and streamed', async () => {
    const client = openaiClient();
    const r = await client.responses.create({
      model: MODEL,
      input: 'Tell me everything',
      max_output_tokens: 5,
    });
    expect(r).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const stream = await client.responses.create({
      model: MODEL,
      input: 'Tell me everything',
      max_output_tokens: 5,
      stream: true,
    });
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const event of stream) last = event;
    expect(last).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete' } });
  });

  it('errors: a refused request is a 400 BadRequestError; an unknown model the upstream 404', async () => {
    const client = openaiClient();
    const refused = client.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_1' });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toThrow(/stores none/);
    const missing = client.responses.create({ model: 'no-such-model', input: 'x' });
    await expect(missing).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('a Gemini stream that fails after it began', () => {
  beforeEach(() =>
    start({ scenario: oneBuild({ kind: 'streamError', afterChunks: 2, message: 'Backend went away.' }) }),
  );

  it('the AI SDK reports an error; the openai SDK sees response.failed after the text so far', async () => {
    const errors: unknown[] = [];
    const result = streamText({
      model: createOpenAI({ baseURL: bridge.baseURL, apiKey: 'test' })('sim-model'),
      prompt: 'hi',
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toContain('Backend went away.');
    expect(await result.finishReason).toBe('error');

    const stream = await openaiClient().responses.create({ model: 'sim-model', input: 'hi', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toContain('response.output_text.delta');
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'server_error', message: 'Backend went away.' } },
    });
  });
});
