import type { ServerResponse } from 'node:http';
import { targetLabel } from '../catalog/target.js';
import type { Routed } from '../routing/router.js';
import type { Downstream, StreamFraming } from '../upstream/attempt.js';
import { type ErrorStatus, errorStatus, JSON_CONTENT_TYPE, renderEnvelope } from '../wire/envelope.js';
import { JSON_ARRAY_CLOSE, JSON_ARRAY_SEPARATOR, sseEvent } from '../wire/sse.js';
import { type Usage, usageIn } from '../wire/usage.js';
import { collectBody } from './held-body.js';
import { openaiUpstreamError } from './openai-upstream-error.js';
import { type Rename, RenamingDownstream, renamed } from './rename.js';

/** Streams being forwarded, each with how to end it in its own framing when the gateway stops. */
export type OpenStreams = Map<object, () => void>;

export interface ForwardOptions {
  framing: StreamFraming;
  extraHeaders?: Record<string, string>;
  streams: OpenStreams;
  /** Hears the tokens the answer used, from its usage block, once it has been sent. */
  onUsage?: (usage: Usage | undefined) => void;
  /** Set when the alias that served hides its builds: the answer names the alias instead (rename.ts). */
  rename?: Rename;
  /** The OpenAI-compatible surface: an upstream's error body is told in OpenAI's shape (openai-upstream-error.ts). */
  openaiErrors?: boolean;
}

/**
 * Sends an answer that won to the client: head (with `x-aliasgate-*` and any deprecation headers), then the body as
 * it arrives. A failure after the first byte is told in the stream's own framing before it closes (docs/design.md
 * §5: a stream never ends in silence). An answer that must be changed on its way (renamed, or an upstream error for
 * an OpenAI client) costs its own path; the default one passes bytes through untouched.
 */
export function forwardAnswer(res: ServerResponse, routed: Answered, options: ForwardOptions): void {
  const { answer } = routed;
  const headers = answerHeaders(routed, options.extraHeaders);
  headers['content-type'] = String(answer.headers['content-type'] ?? JSON_CONTENT_TYPE);
  if (answer.length !== undefined && changesHeldBody(answer.status, options)) {
    sendHeld(res, routed, headers, options);
    return;
  }
  if (answer.length !== undefined) headers['content-length'] = answer.length;
  else if (options.framing !== 'none') {
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
  }
  // head, the chunks already held and, when the upstream has finished, the end leave in one writev
  res.cork();
  process.nextTick(uncork, res);
  res.writeHead(answer.status, headers);
  if (options.framing !== 'none') {
    options.streams.set(res, () => {
      // the gateway is stopping: say so in the stream, then let the upstream go
      endWithError(
        res,
        options.framing,
        errorStatus(503, 'The gateway is shutting down; retry the request.'),
      );
      answer.abort();
    });
  }
  const tap = options.onUsage ? new UsageTap(res) : undefined;
  const sink: Downstream = tap ?? res;
  answer.forward(options.rename ? new RenamingDownstream(sink, options.rename) : sink, (failure) => {
    options.streams.delete(res);
    if (failure) endWithError(res, options.framing, failure);
    else res.end();
    if (tap) options.onUsage!(tap.usage());
  });
}

export type Answered = Extract<Routed, { kind: 'answered' }>;

/**
 * The headers that say who served: `x-aliasgate-alias` (the alias whose target served), `x-aliasgate-target` (unless
 * that alias hides its builds), `x-aliasgate-attempts`, and `x-aliasgate-fallback` when a sibling served.
 */
export function answerHeaders(
  routed: Answered,
  extra: Record<string, string> | undefined,
): Record<string, string | number> {
  // one literal, then the optional ones: a spread here made V8 build every response's headers the slow way
  const headers: Record<string, string | number> = {
    'x-aliasgate-alias': routed.servedBy.name,
    'x-aliasgate-attempts': routed.attempts,
  };
  if (routed.servedBy.exposeBuilds !== false) headers['x-aliasgate-target'] = targetLabel(routed.target);
  if (routed.servedBy !== routed.alias) headers['x-aliasgate-fallback'] = routed.servedBy.name;
  if (extra) for (const name in extra) headers[name] = extra[name]!;
  return headers;
}

function changesHeldBody(status: number, options: ForwardOptions): boolean {
  return options.rename !== undefined || (options.openaiErrors === true && status >= 400);
}

/** A held answer that is changed before it leaves: read whole, changed, sent with its new length. */
function sendHeld(
  res: ServerResponse,
  routed: Answered,
  headers: Record<string, string | number>,
  options: ForwardOptions,
): void {
  const { answer } = routed;
  void collectBody(answer).then(({ body }) => {
    let out = body;
    if (options.openaiErrors && answer.status >= 400) {
      out = openaiUpstreamError(answer.status, body);
      headers['content-type'] = JSON_CONTENT_TYPE;
    } else if (options.rename) {
      out = renamed(body, options.rename);
    }
    headers['content-length'] = out.length;
    res.writeHead(answer.status, headers);
    res.end(out);
    options.onUsage?.(usageIn(out.toString('latin1', Math.max(0, out.length - TAIL_CHARS))));
  });
}

/** Passes the body on and keeps its last few KB, where the answer's usage block is (wire/usage.ts). */
class UsageTap implements Downstream {
  #tail = '';

  constructor(private readonly res: ServerResponse) {}

  write(chunk: Buffer): boolean {
    const text =
      chunk.length > TAIL_CHARS
        ? chunk.toString('latin1', chunk.length - TAIL_CHARS)
        : chunk.toString('latin1');
    this.#tail = (this.#tail + text).slice(-TAIL_CHARS);
    return this.res.write(chunk);
  }

  once(event: 'drain', fn: () => void): unknown {
    return this.res.once(event, fn);
  }

  usage(): Usage | undefined {
    return usageIn(this.#tail);
  }
}

const TAIL_CHARS = 4096;

function uncork(res: ServerResponse): void {
  res.uncork();
}

/** A failure after the first byte, in the stream's own framing (docs/wire.md §7.3), then the end. */
function endWithError(res: ServerResponse, framing: StreamFraming, error: ErrorStatus): void {
  if (res.writableEnded) return;
  switch (framing) {
    case 'sse':
      res.end(sseEvent({ error }));
      return;
    case 'openai-sse':
      res.end(`data: ${JSON.stringify({ error })}\n\n`);
      return;
    case 'json-array':
      res.end(`${JSON_ARRAY_SEPARATOR}${renderEnvelope(error).trimEnd()}${JSON_ARRAY_CLOSE}`);
      return;
    default:
      // a unary body cut after its first MiB: nothing valid can follow, so reset rather than end cleanly
      res.destroy();
  }
}
