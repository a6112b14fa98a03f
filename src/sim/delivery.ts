import { systemClock } from '../clock.js';
import { type ErrorStatus, JSON_CONTENT_TYPE, renderEnvelope, SSE_CONTENT_TYPE } from '../wire/envelope.js';
import { JSON_ARRAY_CLOSE, JSON_ARRAY_SEPARATOR, jsonArrayElement, sseEvent } from '../wire/sse.js';
import type { Outcome } from './behaviour.js';
import type { Exchange } from './exchange.js';
import { NOT_FOUND_PAGE_CONTENT_TYPE, notFoundPageHtml } from './not-found-page.js';

/**
 * How an answer is put on the wire; each framing has its own error and success shapes:
 * - `unary`: pretty JSON, errors as the docs/wire.md §8 envelope, `application/json; charset=UTF-8`;
 * - `sse` (`alt=sse`): `data: <json>\r\n\r\n` events; errors before the stream with a non-JSON
 *   content type (docs/wire.md §7.2);
 * - `jsonArray` (stream without `alt`): one streamed JSON array (docs/wire.md §7.5), errors as `[{error}]`;
 * - `openai` / `openaiSse`: the OpenAI-compatible surface (docs/wire.md §11), errors as `[{error}]`.
 */
export type Framing = 'unary' | 'sse' | 'jsonArray' | 'openai' | 'openaiSse';

/** A healthy answer, already rendered: one body, or stream events plus what closes the stream. */
export type Answer = { kind: 'body'; body: string } | { kind: 'stream'; events: string[]; tail: string };

const CONTENT_TYPE: Record<Framing, string> = {
  unary: JSON_CONTENT_TYPE,
  sse: SSE_CONTENT_TYPE,
  jsonArray: JSON_CONTENT_TYPE,
  openai: JSON_CONTENT_TYPE,
  openaiSse: SSE_CONTENT_TYPE,
};

/** The real stream helper flushes the bare mid-stream error separately (docs/wire.md §7.3); this gap lets it. */
const MID_STREAM_ERROR_GAP_MS = 10;

export function sendError(ex: Exchange, framing: Framing, error: ErrorStatus): void {
  const body =
    framing === 'unary' || framing === 'sse'
      ? renderEnvelope(error)
      : `[${JSON.stringify({ error }, null, 2)}\n]`;
  const contentType = framing === 'openaiSse' ? JSON_CONTENT_TYPE : CONTENT_TYPE[framing];
  ex.send(error.code, contentType, body);
}

export interface Pacing {
  /** Delay before the first byte, ms. */
  latencyMs: number;
  /** Pause between stream events, ms. */
  chunkIntervalMs: number;
}

/**
 * Puts one request's outcome on the wire: waits its latency, then answers, fails as its build's
 * behaviour says, or never answers (hang). Stops at once if the client goes away.
 */
export async function deliver(
  ex: Exchange,
  framing: Framing,
  outcome: Outcome,
  answer: Answer,
  pacing: Pacing,
): Promise<void> {
  if (outcome.kind === 'hang') return; // open until the client leaves or the simulator closes
  if (pacing.latencyMs > 0 && !(await ex.wait(pacing.latencyMs))) return;
  switch (outcome.kind) {
    case 'answer':
      if (answer.kind === 'body') ex.send(200, CONTENT_TYPE[framing], answer.body);
      else await streamOut(ex, framing, answer, pacing.chunkIntervalMs);
      return;
    case 'error':
      return sendError(ex, framing, outcome.error);
    case 'reset':
      return ex.reset();
    case 'malformed':
      return ex.send(200, CONTENT_TYPE[framing], MALFORMED[framing]);
    case 'notFoundPage':
      return ex.send(404, NOT_FOUND_PAGE_CONTENT_TYPE, notFoundPageHtml(pathOf(ex.req.url)));
    case 'raw':
      return ex.send(outcome.status, outcome.contentType, outcome.body);
    case 'bodyCut':
      return cutBody(ex, framing, answer, outcome.afterBytes);
    case 'streamCut':
      if (answer.kind === 'body') return ex.reset();
      return streamOut(ex, framing, answer, pacing.chunkIntervalMs, { afterChunks: outcome.afterChunks });
    case 'streamError':
      if (answer.kind === 'body') return sendError(ex, framing, outcome.error);
      return streamOut(ex, framing, answer, pacing.chunkIntervalMs, {
        afterChunks: outcome.afterChunks,
        error: outcome.error,
      });
  }
}

/**
 * The head, then only part of the answer, then the socket goes. A unary head declares the whole length, as a
 * real answer would, so the client knows the body is short; at least one byte is always withheld.
 */
async function cutBody(ex: Exchange, framing: Framing, answer: Answer, afterBytes: number): Promise<void> {
  const text = answer.kind === 'body' ? answer.body : answer.events.join('') + answer.tail;
  const whole = Buffer.from(text, 'utf8');
  ex.head(200, CONTENT_TYPE[framing], answer.kind === 'body' ? whole.length : undefined);
  const part = whole.subarray(0, Math.min(afterBytes, whole.length - 1));
  if (part.length === 0) ex.res.flushHeaders();
  else await ex.write(part);
  ex.cut();
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

interface StreamStop {
  afterChunks: number;
  /** End with this error (docs/wire.md §7.3); without it the connection is cut. */
  error?: ErrorStatus;
}

async function streamOut(
  ex: Exchange,
  framing: Framing,
  answer: Extract<Answer, { kind: 'stream' }>,
  intervalMs: number,
  stop?: StreamStop,
): Promise<void> {
  ex.head(200, CONTENT_TYPE[framing]);
  const count = stop ? Math.min(stop.afterChunks, answer.events.length) : answer.events.length;
  if (count === 0) ex.res.flushHeaders();
  for (let i = 0; i < count; i++) {
    if (i > 0 && !(await ex.wait(intervalMs))) return;
    if (i === count - 1 && stop && !stop.error) await ex.write(answer.events[i]!);
    else void ex.write(answer.events[i]!);
  }
  if (!stop) return ex.end(answer.tail);
  if (!stop.error) return ex.cut();
  if (!(await ex.wait(MID_STREAM_ERROR_GAP_MS, systemClock))) return;
  ex.end(midStreamError(framing, stop.error, count === 0));
}

function midStreamError(framing: Framing, error: ErrorStatus, first: boolean): string {
  switch (framing) {
    case 'jsonArray':
      return `${first ? '[' : JSON_ARRAY_SEPARATOR}${JSON.stringify({ error }, null, 2)}${JSON_ARRAY_CLOSE}`;
    case 'openaiSse':
      return `data: ${JSON.stringify({ error })}\n\n`;
    default:
      // Google's own form: a bare pretty-printed object after the last event (docs/wire.md §7.3)
      return renderEnvelope(error);
  }
}

/** 200 bodies that are not valid JSON, shaped like a truncated answer of each framing. */
const MALFORMED: Record<Framing, string> = {
  unary:
    '{\n  "candidates": [\n    {\n      "content": {\n        "parts": [\n          {\n            "text": "',
  sse: 'data: {"candidates": [{"content": {"parts": [{"text": "\r\n\r\n',
  jsonArray: '[{\n  "candidates": [\n    {\n      "content": \r\n]',
  openai: '{"id": "chatcmpl", "choices": [{"message": {"content": "',
  openaiSse: 'data: {"id": "chatcmpl", "choices": [{"delta": \n\ndata: [DONE]\n\n',
};

/** Renders stream chunks into events of a framing. */
export function streamAnswer(framing: Framing, chunks: readonly unknown[]): Answer {
  switch (framing) {
    case 'sse':
      return { kind: 'stream', events: chunks.map(sseEvent), tail: '' };
    case 'openaiSse':
      return {
        kind: 'stream',
        events: chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`),
        tail: 'data: [DONE]\n\n',
      };
    default:
      return {
        kind: 'stream',
        events: chunks.map((c, i) => jsonArrayElement(c, i === 0)),
        tail: JSON_ARRAY_CLOSE,
      };
  }
}

/** Unary bodies are pretty-printed with a 2-space indent, as Google sends them (docs/wire.md §4). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function bodyAnswer(value: unknown): Answer {
  return { kind: 'body', body: prettyJson(value) };
}
