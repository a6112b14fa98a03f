import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { INCIDENT, useSim } from '../support/sim.js';

/** The openai SDK (5.x) against the OpenAI-compatible surface `/v1beta/openai/` (docs/wire.md §11). */
describe('openai SDK against the simulator', () => {
  const sim = useSim();
  const client = () => new OpenAI({ apiKey: 'test', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });

  it('chat completion', async () => {
    const r = await client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'Explain aliases' },
      ],
    });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('gemini-2.5-flash-002');
    expect(r.choices[0]!.message.content).toMatch(/^Here is a reply to "Explain aliases"\./);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('streaming: chunks join to the same text, usage on the last chunk, [DONE] ends it', async () => {
    const ai = client();
    const whole = await ai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const stream = await ai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBe(5);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
      whole.choices[0]!.message.content,
    );
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);
  });

  it('tools: a tool call first, text after the tool result', async () => {
    const ai = client();
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const first = await ai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
      tools,
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lisbon' });

    const second = await ai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: 'Weather in Lisbon?' },
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: '{"celsius":24}' },
      ],
      tools,
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toContain('The get_weather tool returned');

    const streamed = await ai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
      tools,
      stream: true,
    });
    const deltas = [];
    for await (const chunk of streamed) deltas.push(chunk.choices[0]!.delta);
    expect(deltas[0]!.tool_calls![0]!.function!.name).toBe('get_weather');
  });

  it('the dead build is a 404 whose body is the Google error in an array', async () => {
    const error = await client()
      .chat.completions.create({ model: INCIDENT.deadBuild, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
    const raw = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
      body: JSON.stringify({ model: INCIDENT.deadBuild, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual([
      { error: { code: 404, message: `Model not found: models/${INCIDENT.deadBuild}`, status: 'NOT_FOUND' } },
    ]);
  });

  it('lists the public models', async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toContain('models/gemini-3.5-flash');
    expect(ids).not.toContain(`models/${INCIDENT.deadBuild}`);
  });

  it('embeddings', async () => {
    const r = await client().embeddings.create({
      model: INCIDENT.embeddingModel,
      input: ['a b', 'c'],
      dimensions: 8,
    });
    expect(r.data.map((d) => d.embedding.length)).toEqual([8, 8]);
  });
});
