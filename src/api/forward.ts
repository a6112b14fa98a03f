import type { ServerResponse } from 'node:http';
import { targetLabel } from '../catalog/target.js';
import type { Routed } from '../routing/router.js';
import type { Downstream, StreamFraming } from '../upstream/attempt.js';
import { type ErrorStatus, errorStatus, renderEnvelope } from '../wire/envelope.js';
import { JSON_ARRAY_CLOSE, JSON_ARRAY_SEPARATOR, sseEvent } from '../wire/sse.js';
import { type Usage, usageIn } from '../wire/usage.js';

/** Streams being forwarded, each with how to end it in its own framing when the gateway stops. */
export type OpenStreams = Map<object, () => void>;

/**
 * Sends an answer that won to the client: head (with `x-aliasgate-*` and any deprecation headers), then the body as
 * it arrives. A failure after the first byte is told in the stream's own framing before it closes (docs/design.md
 * §5: a stream never ends in silence).
 */
export function forwardAnswer(
  res: ServerResponse,
  routed: Extract<Routed, { kind: 'answered' }>,
  options: {
    framing: StreamFraming;
    extraHeaders?: Record<string, string>;
    streams: OpenStreams;
    /** Hears the tokens the answer used, from its usage block, once it has been sent. */
    onUsage?: (usage: Usage | undefined) => void;
  },
): void {
  const { answer, target } = routed;
  const headers: Record<string, string | number> = {
    ...options.extraHeaders,
    'content-type': String(answer.headers['content-type'] ?? 'application/json; charset=UTF-8'),
    'x-aliasgate-alias': routed.servedBy.name,
    'x-aliasgate-target': targetLabel(target),
    'x-aliasgate-attempts': routed.attempts,
  };
  if (routed.servedBy !== routed.alias) headers['x-aliasgate-fallback'] = routed.servedBy.name;
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
  answer.forward(tap ?? res, (failure) => {
    options.streams.delete(res);
    if (failure) endWithError(res, options.framing, failure);
    else res.end();
    if (tap) options.onUsage!(tap.usage());
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
