import { createOpenAI } from '@ai-sdk/openai';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectNoFailures, MODES, startClientsStack } from '../support/clients.js';
import type { Stack } from '../support/stack.js';

/**
 * Libraries that speak OpenAI's wire, pointed at the gateway's OpenAI-compatible surface with nothing but their own
 * base-URL setting (README "Use it from …"), during the incident, in provider and client mode. The Vercel AI SDK's
 * default OpenAI model speaks the Responses API, which the gateway translates to generateContent on each target.
 * None of them may retry by itself.
 */
let stack: Stack;
beforeEach(async () => {
  stack = await startClientsStack();
});
afterEach(() => stack.close());

const city = z.object({ city: z.string(), population: z.number().int() });

/** What a caller must see for a streamed text: deltas that join to text, and no error along the way. */
async function streamedText(result: ReturnType<typeof streamText>, errors: unknown[]): Promise<boolean> {
  let text = '';
  for await (const delta of result.textStream) text += delta;
  if (errors.length > 0) throw errors[0];
  return text.length > 0 && (await result.finishReason) === 'stop';
}

describe.each(MODES)('$name mode', (mode) => {
  describe('@ai-sdk/openai', () => {
    // README: createOpenAI({ baseURL: 'http://127.0.0.1:8080/v1beta/openai' })
    const openai = () => createOpenAI({ baseURL: `${stack.url}/v1beta/openai`, apiKey: 'unused' });

    it('the default model (Responses API): generateText', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const r = await generateText({ model: openai()(mode.chat), prompt: 'hi', maxRetries: 0 });
          return r.text.length > 0 && r.finishReason === 'stop' && (r.usage.outputTokens ?? 0) > 0;
        },
        { meetsDeadBuild: true },
      );
    });

    it('the default model (Responses API): streamText', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const errors: unknown[] = [];
          const result = streamText({
            model: openai()(mode.chat),
            prompt: 'stream to me',
            maxRetries: 0,
            onError: ({ error }) => {
              errors.push(error);
            },
          });
          return streamedText(result, errors);
        },
        { meetsDeadBuild: true },
      );
    });

    it('the default model (Responses API): a tool round trip and generateObject', async () => {
      await expectNoFailures(
        stack,
        async (i) => {
          if (i % 2 === 0) {
            const { object } = await generateObject({
              model: openai()(mode.chat),
              schema: city,
              prompt: 'A city',
              maxRetries: 0,
            });
            return city.safeParse(object).success;
          }
          const r = await generateText({
            model: openai()(mode.chat),
            prompt: 'What is the weather in Oslo?',
            maxRetries: 0,
            stopWhen: stepCountIs(2),
            tools: {
              get_weather: tool({
                description: 'Current weather in a city',
                inputSchema: z.object({ city: z.string() }),
                execute: async ({ city: name }) => ({ city: name, celsius: 24 }),
              }),
            },
          });
          return r.steps.length === 2 && r.steps[0]!.toolCalls.length === 1 && r.text.length > 0;
        },
        { meetsDeadBuild: true },
      );
    });

    it('.chat(): generateText and streamText', async () => {
      await expectNoFailures(
        stack,
        async (i) => {
          if (i % 2 === 0) {
            const r = await generateText({ model: openai().chat(mode.chat), prompt: 'hi', maxRetries: 0 });
            return r.text.length > 0 && r.finishReason === 'stop';
          }
          const errors: unknown[] = [];
          const result = streamText({
            model: openai().chat(mode.chat),
            prompt: 'stream to me',
            maxRetries: 0,
            onError: ({ error }) => {
              errors.push(error);
            },
          });
          return streamedText(result, errors);
        },
        { meetsDeadBuild: true },
      );
    });
  });

  describe('@langchain/openai', () => {
    // README: new ChatOpenAI({ model, configuration: { baseURL: 'http://127.0.0.1:8080/v1beta/openai' } })
    const chat = () =>
      new ChatOpenAI({
        model: mode.chat,
        apiKey: 'unused',
        maxRetries: 0,
        configuration: { baseURL: `${stack.url}/v1beta/openai` },
      });
    const weather = langchainTool(async ({ city: name }) => `24 °C in ${name}`, {
      name: 'get_weather',
      description: 'Current weather in a city',
      schema: z.object({ city: z.string() }),
    });

    it('invoke', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const r = await chat().invoke('hi');
          return typeof r.content === 'string' && r.content.length > 0;
        },
        { meetsDeadBuild: true },
      );
    });

    it('stream', async () => {
      await expectNoFailures(
        stack,
        async () => {
          let text = '';
          for await (const chunk of await chat().stream('stream to me')) {
            text += typeof chunk.content === 'string' ? chunk.content : '';
          }
          return text.length > 0;
        },
        { meetsDeadBuild: true },
      );
    });

    it('tools', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const r = await chat().bindTools([weather]).invoke('What is the weather in Oslo?');
          return r.tool_calls?.[0]?.name === 'get_weather' && typeof r.tool_calls[0].args.city === 'string';
        },
        { meetsDeadBuild: true },
      );
    });

    it('structured output (response_format json_schema)', async () => {
      await expectNoFailures(
        stack,
        async () => city.safeParse(await chat().withStructuredOutput(city).invoke('A city')).success,
        { meetsDeadBuild: true },
      );
    });
  });

  describe('openai', () => {
    // README: new OpenAI({ baseURL: 'http://127.0.0.1:8080/v1beta/openai/' })
    const client = () =>
      new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1beta/openai/`, maxRetries: 0 });

    it('chat.completions, unary and streamed', async () => {
      await expectNoFailures(
        stack,
        async (i) => {
          const messages = [{ role: 'user' as const, content: 'hi' }];
          if (i % 2 === 0) {
            const r = await client().chat.completions.create({ model: mode.chat, messages });
            return (r.choices[0]?.message.content ?? '').length > 0;
          }
          const stream = await client().chat.completions.create({ model: mode.chat, messages, stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          return text.length > 0;
        },
        { meetsDeadBuild: true },
      );
    });

    it('embeddings (model rewritten per target, base64 as the SDK asks)', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const r = await client().embeddings.create({ model: mode.embed, input: ['a', 'b'] });
          return r.data.length === 2 && r.data.every((d) => d.embedding.length > 0);
        },
        { meetsDeadBuild: false },
      );
    });

    it('models.retrieve: an alias in OpenAI’s shape, an unknown one as NotFoundError', async () => {
      const model = await client().models.retrieve(mode.chat);
      expect(model).toMatchObject({ id: mode.chat, object: 'model' });
      const missing = await client()
        .models.retrieve('no-such-model')
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      expect((missing as InstanceType<typeof OpenAI.NotFoundError>).message).toContain('no-such-model');
    });
  });
});

describe('the OpenAI routes under /v1 (an OpenAI base URL of http://host:port/v1)', () => {
  it('chat, embeddings and Responses (models under /v1 are Gemini’s own: the OpenAI list is under /v1beta/openai)', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const chat = await client.chat.completions.create({ model: 'my-flash', messages });
    expect(chat.choices[0]?.message.content).toMatch(/\w/);
    const embedded = await client.embeddings.create({ model: 'my-embed', input: 'a' });
    expect(embedded.data[0]?.embedding.length).toBeGreaterThan(0);
    const response = await client.responses.create({ model: 'my-flash', input: 'hi' });
    expect(response.output_text).toMatch(/\w/);
  });
});
