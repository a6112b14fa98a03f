import type { ServerResponse } from 'node:http';
import { targetLabel } from '../catalog/target.js';
import type { Routed } from '../routing/router.js';
import type { StreamFraming } from '../upstream/attempt.js';
import { type ErrorStatus, errorStatus, renderEnvelope } from '../wire/envelope.js';
import { JSON_ARRAY_CLOSE, JSON_ARRAY_SEPARATOR, sseEvent } from '../wire/sse.js';

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
  options: { framing: StreamFraming; extraHeaders?: Record<string, string>; streams: OpenStreams },
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
  answer.forward(res, (failure) => {
    options.streams.delete(res);
    if (failure) endWithError(res, options.framing, failure);
    else res.end();
  });
}

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
