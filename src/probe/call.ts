import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';
import { type ErrorStatus, parseEnvelope } from '../wire/envelope.js';
import { SseReader } from '../wire/sse.js';
import { canonicalStatus } from '../wire/status.js';
import type { CallError, CallOutcome } from './outcome.js';
import { describeTransportError } from './transport-error.js';

/** One generateContent or streamGenerateContent call, fully described. */
export interface CallRequest {
  url: string;
  headers: Record<string, string>;
  /** The JSON request body, already serialised. */
  body: string;
  /** Read the answer as SSE (`?alt=sse`) instead of one JSON document. */
  stream: boolean;
  /** Whole-call budget, ms: connect, headers and the complete body (stream included). */
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** Sends one call and reads the whole answer. Never throws: every failure becomes a CallOutcome. */
export async function sendCall(call: CallRequest): Promise<CallOutcome> {
  const started = performance.now();
  const error = await attempt(call, AbortSignal.timeout(call.timeoutMs));
  const latencyMs = performance.now() - started;
  return error ? { ok: false, latencyMs, error } : { ok: true, latencyMs };
}

async function attempt(call: CallRequest, signal: AbortSignal): Promise<CallError | undefined> {
  let answered = false;
  try {
    const response = await request(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body,
      signal,
      dispatcher: call.dispatcher,
    });
    answered = true;
    if (response.statusCode >= 300) return errorAnswer(response.statusCode, await response.body.text());
    return call.stream ? await readSse(response.body) : unaryAnswer(await response.body.text());
  } catch (e) {
    if (signal.aborted) return { kind: 'timeout', message: `no complete answer within ${call.timeoutMs} ms` };
    const failure = describeTransportError(e);
    if (!answered) return { kind: 'transport', ...failure };
    return { kind: 'cut', code: failure.code, message: `answer cut before it ended: ${failure.message}` };
  }
}

function fromEnvelope(httpStatus: number, envelope: ErrorStatus, midStream: boolean): CallError {
  const error: CallError = { kind: 'http', httpStatus, status: envelope.status, message: envelope.message };
  if (midStream) error.midStream = true;
  return error;
}

/**
 * An error answer. Unary errors are a pretty-printed envelope (docs/wire.md §8.1); errors to an SSE request
 * are the same bytes under a non-JSON content type (docs/wire.md §7.2), so the body is parsed, not the header.
 */
function errorAnswer(httpStatus: number, text: string): CallError {
  const envelope = parseEnvelope(text) ?? firstSseEnvelope(text);
  if (envelope) return fromEnvelope(httpStatus, envelope, false);
  return {
    kind: 'http',
    httpStatus,
    status: canonicalStatus(httpStatus),
    message: `HTTP ${httpStatus} without a Gemini error envelope`,
  };
}

function firstSseEnvelope(text: string): ErrorStatus | undefined {
  const payload = new SseReader().push(`${text}\n\n`)[0];
  return payload === undefined ? undefined : parseEnvelope(payload);
}

const MALFORMED_BODY = 'malformed response: body is not valid JSON';
const MALFORMED_EVENT = 'malformed response: an SSE event is not valid JSON';

function unaryAnswer(text: string): CallError | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', httpStatus: 200, message: MALFORMED_BODY };
  }
  return embeddedError(value, text, false);
}

/** A 200 whose JSON is an error envelope is still a failure (it happens behind some proxies). */
function embeddedError(value: unknown, text: string, midStream: boolean): CallError | undefined {
  if (typeof value !== 'object' || value === null || !('error' in value)) return undefined;
  const envelope = parseEnvelope(text);
  if (!envelope)
    return { kind: 'malformed', httpStatus: 200, message: 'malformed response: unreadable error object' };
  return fromEnvelope(envelope.code, envelope, midStream);
}

interface StreamProgress {
  events: number;
  finished: boolean;
}

/**
 * Reads an SSE answer to the end (docs/wire.md §7.1). The stream counts as complete only when some event
 * carries a finishReason (or a blocked prompt's blockReason): the SDK does not notice a clean
 * close without one (docs/wire.md §7.3), which is exactly why the probe must.
 */
async function readSse(body: AsyncIterable<Uint8Array>): Promise<CallError | undefined> {
  const reader = new SseReader();
  const decoder = new TextDecoder();
  const progress: StreamProgress = { events: 0, finished: false };
  for await (const chunk of body) {
    for (const payload of reader.push(decoder.decode(chunk, { stream: true }))) {
      const error = inspectEvent(payload, progress);
      if (error) return error;
    }
  }
  return endOfStream(reader.rest() + decoder.decode(), progress);
}

function inspectEvent(payload: string, progress: StreamProgress): CallError | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { kind: 'malformed', httpStatus: 200, midStream: true, message: MALFORMED_EVENT };
  }
  const error = embeddedError(value, payload, true);
  if (error) return error;
  progress.events++;
  if (hasFinished(value)) progress.finished = true;
  return undefined;
}

function hasFinished(value: unknown): boolean {
  const chunk = value as {
    candidates?: { finishReason?: unknown }[];
    promptFeedback?: { blockReason?: unknown };
  };
  if (typeof chunk.promptFeedback?.blockReason === 'string') return true;
  return Array.isArray(chunk.candidates) && chunk.candidates.some((c) => typeof c?.finishReason === 'string');
}

function endOfStream(rest: string, progress: StreamProgress): CallError | undefined {
  const trailing = rest.trim();
  if (trailing) {
    // Google's own mid-stream error: a bare pretty-printed envelope after the last event (docs/wire.md §7.3).
    const envelope = parseEnvelope(trailing);
    if (envelope) return fromEnvelope(envelope.code, envelope, true);
    if (trailing.startsWith('data:'))
      return { kind: 'cut', message: 'stream cut inside an unterminated event' };
    return { kind: 'malformed', httpStatus: 200, midStream: true, message: MALFORMED_EVENT };
  }
  if (progress.events === 0) return { kind: 'cut', message: 'stream ended with no events' };
  if (!progress.finished) return { kind: 'cut', message: 'stream ended before any finishReason' };
  return undefined;
}
