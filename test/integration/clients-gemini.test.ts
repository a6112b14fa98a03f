import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { GoogleGenerativeAI } from '@google/generative-ai';
import { tool } from '@langchain/core/tools';
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { embedMany, generateObject, generateText, streamText } from 'ai';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { z } from 'zod';
import { expectNoFailures, MODES, startClientsStack } from '../support/clients.js';
import type { Stack } from '../support/stack.js';

/**
 * Libraries that speak the Gemini wire, written by others, pointed at the gateway with nothing but their own
 * base-URL setting (the lines README "Use it from …" shows), during the incident, in provider and client mode.
 * None of them may retry by itself: every failure the gateway lets through is counted.
 */
let stack: Stack;
beforeEach(async () => {
  stack = await startClientsStack();
});
afterEach(() => stack.close());

const city = z.object({ city: z.string(), population: z.number().int() });

describe.each(MODES)('$name mode', (mode) => {
  describe('@ai-sdk/google', () => {
    // README: createGoogleGenerativeAI({ baseURL: 'http://127.0.0.1:8080/v1beta' })
    const google = () => createGoogleGenerativeAI({ baseURL: `${stack.url}/v1beta`, apiKey: 'unused' });

    it('generateText', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const r = await generateText({ model: google()(mode.chat), prompt: 'hi', maxRetries: 0 });
          return r.text.length > 0 && r.finishReason === 'stop';
        },
        { meetsDeadBuild: true },
      );
    });

    it('streamText', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const errors: unknown[] = [];
          const result = streamText({
            model: google()(mode.chat),
            prompt: 'stream to me',
            maxRetries: 0,
            onError: ({ error }) => {
              errors.push(error);
            },
          });
          let text = '';
          for await (const delta of result.textStream) text += delta;
          if (errors.length > 0) throw errors[0];
          return text.length > 0 && (await result.finishReason) === 'stop';
        },
        { meetsDeadBuild: true },
      );
    });

    it('generateObject', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const { object } = await generateObject({
            model: google()(mode.chat),
            schema: city,
            prompt: 'A city',
            maxRetries: 0,
          });
          return city.safeParse(object).success;
        },
        { meetsDeadBuild: true },
      );
    });

    it('embedMany (batchEmbedContents, each requests[].model rewritten)', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const { embeddings } = await embedMany({
            model: google().embedding(mode.embed),
            values: ['a', 'b', 'c'],
            maxRetries: 0,
          });
          return embeddings.length === 3 && embeddings.every((e) => e.length > 0);
        },
        { meetsDeadBuild: false },
      );
    });
  });

  describe('@langchain/google-genai', () => {
    // README: new ChatGoogleGenerativeAI({ model, baseUrl: 'http://127.0.0.1:8080' })
    const chat = () =>
      new ChatGoogleGenerativeAI({ model: mode.chat, apiKey: 'unused', baseUrl: stack.url, maxRetries: 0 });
    const weather = tool(async ({ city: name }) => `24 °C in ${name}`, {
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

    it('structured output', async () => {
      await expectNoFailures(
        stack,
        async () => city.safeParse(await chat().withStructuredOutput(city).invoke('A city')).success,
        { meetsDeadBuild: true },
      );
    });
  });

  describe('@google/generative-ai (the legacy SDK)', () => {
    // README: genAI.getGenerativeModel({ model }, { baseUrl: 'http://127.0.0.1:8080' })
    const model = (name: string) =>
      new GoogleGenerativeAI('unused').getGenerativeModel({ model: name }, { baseUrl: stack.url });

    it('generateContent', async () => {
      await expectNoFailures(
        stack,
        async () => (await model(mode.chat).generateContent('hi')).response.text().length > 0,
        { meetsDeadBuild: true },
      );
    });

    it('generateContentStream', async () => {
      await expectNoFailures(
        stack,
        async () => {
          const { stream, response } = await model(mode.chat).generateContentStream('stream to me');
          let text = '';
          for await (const chunk of stream) text += chunk.text();
          return text.length > 0 && (await response).candidates?.[0]?.finishReason === 'STOP';
        },
        { meetsDeadBuild: true },
      );
    });

    it('embedContent (:embedContent, body model rewritten) and batchEmbedContents', async () => {
      await expectNoFailures(
        stack,
        async (i) => {
          const embedder = model(mode.embed);
          if (i % 2 === 0) return (await embedder.embedContent('embed me')).embedding.values.length > 0;
          const { embeddings } = await embedder.batchEmbedContents({
            requests: ['a', 'b'].map((text) => ({ content: { role: 'user', parts: [{ text }] } })),
          });
          return embeddings.length === 2;
        },
        { meetsDeadBuild: false },
      );
    });

    it('countTokens, on the generation alias and on the embedding alias (methods learned, not declared)', async () => {
      await expectNoFailures(
        stack,
        async (i) => {
          const r = await model(i % 2 === 0 ? mode.chat : mode.embed).countTokens('count these words');
          return r.totalTokens > 0;
        },
        { meetsDeadBuild: true },
      );
    });
  });
});
