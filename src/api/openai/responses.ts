import type { GenerateContentResponse } from '../../wire/types.js';
import type { Json } from './fields.js';
import {
  blockReasonOf,
  finishOf,
  outputItems,
  type ResponseMeta,
  responseObject,
  usageOf,
} from './responses-output.js';

/**
 * OpenAI's Responses API (`POST /v1/responses`, what the Vercel AI SDK's default OpenAI model speaks) over
 * Gemini's generateContent, as pure translations: request → GenerateContentRequest, a complete answer → the
 * Response object here, streamed chunks → Responses events in responses-stream.ts. No I/O: the caller routes.
 */
export type { OpenaiError, ResponsesError } from './responses-error.js';
export { isResponsesError, openaiErrorFromGoogle } from './responses-error.js';
export type { ResponseMeta } from './responses-output.js';
export type { ResponseEcho, ResponsesCall } from './responses-request.js';
export { responsesRequest } from './responses-request.js';

/** A complete Gemini answer → the Response object (`object: "response"`). */
export function responsesResult(answer: GenerateContentResponse, meta: ResponseMeta): Json {
  const candidate = answer.candidates?.[0];
  const finish = finishOf(candidate?.finishReason, blockReasonOf(answer));
  return responseObject(meta, {
    status: finish.status,
    output: outputItems(candidate?.content?.parts ?? [], meta.id, finish.status),
    usage: usageOf(answer.usageMetadata),
    error: null,
    incomplete_details: finish.incomplete_details,
  });
}
