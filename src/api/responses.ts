import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { errorStatus, JSON_CONTENT_TYPE, parseEnvelope } from '../wire/envelope.js';
import { bareModelId } from '../wire/model-names.js';
import type { GenerateContentResponse, UsageMetadata } from '../wire/types.js';
import type { Usage } from '../wire/usage.js';
import type { ClientKey } from './auth.js';
import { readBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { type Answered, answerHeaders, type ForwardOptions } from './forward.js';
import { collectBody } from './held-body.js';
import {
  isResponsesError,
  openaiErrorFromGoogle,
  type ResponseMeta,
  type ResponsesError,
  responsesRequest,
  responsesResult,
} from './openai/responses.js';
import { ResponsesRelay } from './openai/responses-relay.js';
import { forwardedHeaders, serve } from './serve.js';

/**
 * `POST /v1beta/openai/responses` (and `/v1/responses`): OpenAI's Responses API, what the Vercel AI SDK's default
 * OpenAI model speaks, over each target's own `generateContent` / `streamGenerateContent?alt=sse`. The body is
 * translated once (api/openai/), the router routes the Gemini request like any other — retries, fallbacks and
 * health included — and the winning answer is translated back: a unary one from its held body, a stream event by
 * event. Every error, the gateway's and the upstream's, reaches the client in OpenAI's shape.
 */
export async function responses(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  key: ClientKey | undefined,
): Promise<void> {
  const call = responsesRequest(await readJson(req, deps.limits().bodyLimitBytes));
  if (isResponsesError(call)) return sendOpenaiError(res, call);
  const base = {
    id: `resp_${randomBytes(16).toString('hex')}`,
    createdAt: Math.floor(deps.clock.now() / 1000),
  };
  await serve(deps, req, res, {
    key,
    method: 'responses',
    request: {
      framing: call.stream ? 'sse' : 'none',
      alias: bareModelId(call.model),
      outgoing: {
        endpoint: {
          surface: 'gemini',
          method: call.stream ? 'streamGenerateContent' : 'generateContent',
          version: 'v1beta',
          query: call.stream ? 'alt=sse' : '',
        },
        body: Buffer.from(JSON.stringify(call.request)),
        modelFields: [],
        headers: forwardedHeaders(req),
      },
      mode: call.stream ? 'stream' : 'unary',
    },
    deliver: (out, routed, options) => {
      const metaFor = (modelVersion: string | undefined): ResponseMeta => ({
        ...base,
        call,
        model: options.rename?.name ?? modelVersion ?? call.model,
      });
      if (routed.answer.status >= 300) void sendUpstreamError(out, routed, options);
      else if (call.stream) relay(out, routed, options, metaFor);
      else void sendResult(out, routed, options, metaFor);
    },
  });
}

async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const body = await readBody(req, limitBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('INVALID_REQUEST', 'We could not parse the JSON body of your request.');
  }
}

/** A Gemini error from the target (passed through as the client's) in OpenAI's shape, with its status. */
async function sendUpstreamError(
  res: ServerResponse,
  routed: Answered,
  options: ForwardOptions,
): Promise<void> {
  const { body } = await collectBody(routed.answer);
  const text = body.toString('utf8');
  const status = parseEnvelope(text) ?? errorStatus(routed.answer.status, text.trim().slice(0, 2000));
  sendOpenaiError(
    res,
    openaiErrorFromGoogle(routed.answer.status, status),
    answerHeaders(routed, options.extraHeaders),
  );
  options.onUsage?.(undefined);
}

async function sendResult(
  res: ServerResponse,
  routed: Answered,
  options: ForwardOptions,
  metaFor: (modelVersion: string | undefined) => ResponseMeta,
): Promise<void> {
  const { body, failure } = await collectBody(routed.answer);
  let answer: GenerateContentResponse;
  try {
    if (failure) throw new Error(failure.message);
    answer = JSON.parse(body.toString('utf8')) as GenerateContentResponse;
  } catch (e) {
    const message = `The upstream's answer could not be read: ${(e as Error).message}`;
    const error = { message, type: 'server_error', param: null, code: 'bad_upstream_answer' };
    sendOpenaiError(res, { status: 502, error }, answerHeaders(routed, options.extraHeaders));
    return;
  }
  const value = responsesResult(answer, metaFor(answer.modelVersion));
  const text = `${JSON.stringify(value)}\n`;
  res.writeHead(200, {
    ...answerHeaders(routed, options.extraHeaders),
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
  options.onUsage?.(usageOf(answer.usageMetadata));
}

/** A stream: Responses events as the Gemini events arrive; a failure after the first byte fails the response. */
function relay(
  res: ServerResponse,
  routed: Answered,
  options: ForwardOptions,
  metaFor: (modelVersion: string | undefined) => ResponseMeta,
): void {
  const events = new ResponsesRelay(res, metaFor);
  res.writeHead(200, {
    ...answerHeaders(routed, options.extraHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  const finish = (failure?: { message: string }) => {
    if (!res.writableEnded) res.end(events.end(failure));
  };
  options.streams.set(res, () => {
    finish({ message: 'The gateway is shutting down; retry the request.' });
    routed.answer.abort();
  });
  routed.answer.forward(events, (failure) => {
    options.streams.delete(res);
    finish(failure);
    options.onUsage?.(usageOf(events.usage));
  });
}

function sendOpenaiError(
  res: ServerResponse,
  { status, error }: ResponsesError,
  headers: Record<string, string | number> = {},
): void {
  const text = `${JSON.stringify({ error }, null, 2)}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Gemini's count → the gateway's per-key usage (thoughts are output, as wire/usage.ts counts them). */
function usageOf(u: UsageMetadata | undefined): Usage | undefined {
  if (!u || typeof u.promptTokenCount !== 'number') return undefined;
  return { prompt: u.promptTokenCount, output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) };
}
