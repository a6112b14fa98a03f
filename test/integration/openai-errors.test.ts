import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { oneBuild } from '../support/sim.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * The OpenAI-compatible routes answer every error in OpenAI's shape, whoever made it: the gateway (an unknown alias,
 * a parameter it cannot honour), the upstream before the first byte (Google's envelope, bare or array-wrapped,
 * translated), and the upstream after it (a Responses stream that fails with response.failed). What the SDKs make of
 * each is what a user reads.
 */
let stack: Stack | undefined;
let upstream: Server | undefined;
/** Requests the refusing upstream answered, but for the gateway's own Model-resource reads. */
let upstreamCalls = 0;
afterEach(async () => {
  await stack?.close();
  upstream?.close();
  upstream?.closeAllConnections();
  stack = undefined;
  upstream = undefined;
});

const UPSTREAM_MESSAGE = 'Invalid value at generation_config.temperature (TYPE_FLOAT), "hot"';

/** An upstream that refuses every request as Google does: its envelope, and the array form on its OpenAI surface. */
async function refusingUpstream(): Promise<string> {
  upstreamCalls = 0;
  upstream = createServer((req, res) => {
    if (req.method === 'POST') upstreamCalls++;
    req.resume();
    req.on('end', () => {
      const error = { code: 400, message: UPSTREAM_MESSAGE, status: 'INVALID_ARGUMENT' };
      const body = req.url?.includes('/openai/') ? [{ error }] : { error };
      res.writeHead(400, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body, null, 2));
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

async function gatewayOver(upstreamUrl: string | undefined, alias = 'my-model'): Promise<Stack> {
  stack = await startStack({
    ...(upstreamUrl ? {} : { scenario: oneBuild({ kind: 'streamError', afterChunks: 2 }) }),
    config: (simUrl) =>
      configFromObject({
        state: { sqlitePath: ':memory:' },
        logging: { level: 'silent' },
        upstreams: { up: { baseUrl: upstreamUrl ?? simUrl } },
        aliases: { [alias]: { targets: [{ upstream: 'up', model: 'sim-model' }] } },
      }),
  });
  return stack;
}

const openaiClient = (s: Stack) =>
  new OpenAI({ apiKey: 'unused', baseURL: `${s.url}/v1beta/openai/`, maxRetries: 0 });

describe('upstream errors before the first byte, translated', () => {
  it('the openai SDK reads a 400 from the upstream as BadRequestError with the upstream’s message, on every route', async () => {
    const client = openaiClient(await gatewayOver(await refusingUpstream()));
    const calls = [
      () =>
        client.chat.completions.create({ model: 'my-model', messages: [{ role: 'user', content: 'hi' }] }),
      () => client.embeddings.create({ model: 'my-model', input: 'hi' }),
      () => client.responses.create({ model: 'my-model', input: 'hi' }),
      () => client.responses.create({ model: 'my-model', input: 'hi', stream: true }),
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const e = error as InstanceType<typeof OpenAI.BadRequestError>;
      // Google's array form used to reach users as "400 status code (no body)"
      expect(e.message).toBe(`400 ${UPSTREAM_MESSAGE}`);
      expect(e.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('@ai-sdk/openai reads it as APICallError 400 with the message, unary and streamed', async () => {
    const s = await gatewayOver(await refusingUpstream());
    const model = createOpenAI({ baseURL: `${s.url}/v1beta/openai`, apiKey: 'unused' })('my-model');
    const unary = await generateText({ model, prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(unary)).toBe(true);
    expect((unary as APICallError).statusCode).toBe(400);
    expect((unary as APICallError).message).toBe(UPSTREAM_MESSAGE);
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    for await (const _ of result.textStream) {
      // nothing arrives
    }
    expect(errors).toHaveLength(1);
    expect((errors[0] as APICallError).statusCode).toBe(400);
  });
});

describe('the gateway’s own errors', () => {
  it('an unknown alias is NotFoundError (model_not_found) on chat, embeddings and Responses', async () => {
    const client = openaiClient(await gatewayOver(await refusingUpstream()));
    for (const call of [
      () => client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
      () => client.embeddings.create({ model: 'nope', input: 'hi' }),
      () => client.responses.create({ model: 'nope', input: 'hi' }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    }
    expect(upstreamCalls).toBe(0);
  });

  it('a Responses parameter a stateless gateway cannot honour is a 400 naming it, without an upstream call', async () => {
    const client = openaiClient(await gatewayOver(undefined, 'sim-model'));
    const error = await client.responses
      .create({ model: 'sim-model', input: 'hi', previous_response_id: 'resp_1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
    expect(stack!.sim.stats().requests.total).toBe(0);
  });
});

describe('an upstream stream that fails after the first byte', () => {
  it('ends the Responses stream with response.failed, which the openai SDK and the AI SDK both report', async () => {
    const s = await gatewayOver(undefined, 'sim-model');
    const stream = await openaiClient(s).responses.create({ model: 'sim-model', input: 'hi', stream: true });
    const types: string[] = [];
    let failed: { error?: { message?: string } | null } | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.failed') failed = event.response;
    }
    expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.failed');
    expect(failed?.error?.message).toContain('sim-model');

    const errors: unknown[] = [];
    const result = streamText({
      model: createOpenAI({ baseURL: `${s.url}/v1beta/openai`, apiKey: 'unused' })('sim-model'),
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('error');
    expect(errors).toHaveLength(1);
  });
});
