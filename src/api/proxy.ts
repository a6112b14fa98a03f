import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AliasEntry, Target } from '../catalog/alias-entry.js';
import { classifyResponse } from '../classify/classify.js';
import type { Verdict } from '../classify/verdict.js';
import { GatewayError } from '../errors.js';
import type { LoopResult, TriedTarget } from '../routing/attempt-loop.js';
import { Attempt, type BodyMode, type StreamFraming } from '../upstream/attempt.js';
import { type OutgoingRequest, upstreamRequest } from '../upstream/request.js';
import { type ErrorStatus, errorStatus, renderEnvelope, retryInfo } from '../wire/envelope.js';
import { JSON_ARRAY_CLOSE, JSON_ARRAY_SEPARATOR, sseEvent } from '../wire/sse.js';
import type { Surface } from './respond.js';
import type { Runtime } from './runtime.js';

/** One client request to proxy, as the surface (Gemini or OpenAI-compatible) parsed it. */
export interface ProxySpec {
  surface: Surface;
  alias: string;
  /** The Gemini verb, or 'chat/completions' on the OpenAI-compatible surface (metrics and logs). */
  method: string;
  /** Everything every attempt sends, addressed to each target's model by upstream/request.ts. */
  request: OutgoingRequest;
  mode: BodyMode;
  framing: StreamFraming;
}

const HOLD_LIMIT_BYTES = 1024 * 1024;

/**
 * Resolve the alias, run the attempt loop, then answer: commit the winning attempt and forward its body, pass a
 * client error through unchanged, or say clearly that nothing could serve.
 */
export async function proxy(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  spec: ProxySpec,
): Promise<void> {
  const started = rt.clock.now();
  const alias = rt.catalog.get(spec.alias);
  if (!alias) throw unknownAlias(rt, spec.alias);
  if (spec.surface === 'gemini' && !alias.methods.includes(spec.method as never)) {
    throw new GatewayError(
      'METHOD_NOT_SUPPORTED',
      `models/${alias.name} does not support ${spec.method}; it supports ${alias.methods.join(', ')}.`,
    );
  }
  const chain = rt.catalog.fallbackChain(alias.name);
  // the attempt in flight, and after commit the one being forwarded: a client that goes away aborts it at once
  let current: Attempt | undefined;
  let clientGone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    clientGone = true;
    current?.abort(Object.assign(new Error('client closed the connection'), { code: 'CLIENT_CLOSED' }));
  });

  const send = (target: Target, timeoutMs: number) => {
    const upstream = rt.upstreams.get(target.upstream);
    current = new Attempt({
      dispatcher: upstream.pool,
      ...upstreamRequest(upstream, target.model, spec.request),
      method: 'POST',
      mode: spec.mode,
      sse: spec.framing === 'sse',
      timeoutMs,
      idleTimeoutMs: rt.idleTimeoutMs,
      holdLimitBytes: HOLD_LIMIT_BYTES,
      clock: rt.clock,
    });
    return current;
  };

  const result = await rt.route(chain, send, () => clientGone, clientDeadlineMs(req));
  if (result.kind === 'exhausted') {
    rt.metrics.request(alias.name, spec.method, result.why === 'cancelled' ? 'cancelled' : 'failed');
    if (rt.accessLog) {
      rt.log.debug(
        {
          event: 'request',
          alias: alias.name,
          method: spec.method,
          outcome: result.why,
          attempts: result.attempts,
          ms: rt.clock.now() - started,
        },
        'request failed',
      );
    }
    if (result.why === 'cancelled') return;
    if (result.why === 'gateway_fault') {
      rt.log.error(
        {
          event: 'gateway_fault',
          alias: alias.name,
          method: spec.method,
          tried: result.tried.map(describeTry),
        },
        'aliasgate sent an upstream a request it had malformed; this is a bug, please report it',
      );
    }
    throw exhaustedError(alias, result);
  }
  commit(rt, res, spec, alias, result, started);
}

function commit(
  rt: Runtime,
  res: ServerResponse,
  spec: ProxySpec,
  alias: AliasEntry,
  result: Extract<LoopResult, { kind: 'answered' }>,
  started: number,
): void {
  const { outcome, target, verdict } = result;
  const headers: Record<string, string | number> = {
    'content-type': String(outcome.headers['content-type'] ?? 'application/json; charset=UTF-8'),
    'x-aliasgate-alias': result.alias.name,
    'x-aliasgate-target': `${target.upstream}/${target.model}`,
    'x-aliasgate-attempts': result.attempts,
  };
  if (result.alias.name !== alias.name) {
    headers['x-aliasgate-fallback'] = result.alias.name;
    rt.metrics.count(rt.metrics.fallbacks, alias.name, result.alias.name);
  }
  const warning = rt.deprecationHeaders(alias);
  if (warning) Object.assign(headers, warning);
  if (outcome.complete) {
    let length = 0;
    for (const c of outcome.chunks) length += c.length;
    headers['content-length'] = length;
  } else if (spec.mode === 'stream') {
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
  }
  rt.metrics.request(
    alias.name,
    spec.method,
    verdict.kind === 'ok' ? 'ok' : 'client_error',
    (rt.clock.now() - started) / 1000,
  );
  if (rt.accessLog) {
    rt.log.debug(
      {
        event: 'request',
        alias: alias.name,
        method: spec.method,
        status: outcome.status,
        target: `${target.upstream}/${target.model}`,
        attempts: result.attempts,
        ...(result.alias.name !== alias.name ? { fallback: result.alias.name } : {}),
        ms: rt.clock.now() - started,
      },
      'request',
    );
  }
  // head, the chunks already held and, when the upstream has finished, the end leave in one writev
  res.cork();
  process.nextTick(uncork, res);
  res.writeHead(outcome.status, headers);
  const attempt = result.attempt as Attempt;
  if (spec.mode === 'stream') {
    rt.openStreams.set(res, () => {
      // the gateway is stopping: say so in the stream, then let the upstream go
      endWithError(res, spec.framing, errorStatus(503, 'The gateway is shutting down; retry the request.'));
      attempt.abort(Object.assign(new Error('gateway shutting down'), { code: 'SHUTDOWN' }));
    });
  }
  attempt.forward(res, ({ error, upstreamError, truncated }) => {
    rt.health.end(target.id);
    rt.openStreams.delete(res);
    if (!error && !upstreamError && !truncated) {
      res.end();
      return;
    }
    if (error?.code === 'CLIENT_CLOSED' || error?.code === 'SHUTDOWN') return;
    const where = `(target ${target.upstream}/${target.model})`;
    if (upstreamError) {
      rt.recordVerdict(
        target,
        classifyResponse({ status: upstreamError.code, error: upstreamError, requestedModel: target.model }),
      );
      endWithError(res, spec.framing, { ...upstreamError, message: `${upstreamError.message} ${where}` });
      return;
    }
    const reason = error
      ? `upstream stream failed: ${error.code ?? error.message}`
      : 'upstream stream ended before completion';
    rt.recordVerdict(target, { kind: 'transient', origin: error ? 'local' : 'external', reason });
    endWithError(res, spec.framing, errorStatus(502, `${reason} ${where}`));
  });
}

function uncork(res: ServerResponse): void {
  res.uncork();
}

/**
 * After the first byte a target can no longer change, so a failure is told in the stream's own framing and only
 * then does the stream close (DESIGN; wire spec §7.3: `data: {"error":…}` CRLF CRLF always reaches the SDK as ApiError).
 */
function endWithError(res: ServerResponse, framing: StreamFraming, error: ErrorStatus): void {
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

/**
 * The SDK sends `X-Server-Timeout: <seconds>` when its caller set a timeout (wire spec §2.2): there is no point
 * trying targets after the client has given up.
 */
function clientDeadlineMs(req: IncomingMessage): number | undefined {
  const header = req.headers['x-server-timeout'];
  const seconds = typeof header === 'string' ? Number(header) : Number.NaN;
  return seconds > 0 ? seconds * 1000 : undefined;
}

/** Client-identifying headers the upstream may use (wire spec §9.2); the client's key is never forwarded. */
export function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  if (typeof h['user-agent'] === 'string') out['user-agent'] = h['user-agent'];
  if (typeof h['x-goog-api-client'] === 'string') out['x-goog-api-client'] = h['x-goog-api-client'];
  if (typeof h['x-server-timeout'] === 'string') out['x-server-timeout'] = h['x-server-timeout'];
  return out;
}

export function unknownAlias(rt: Runtime, name: string): GatewayError {
  const known = rt.catalog.aliases().map((a) => a.name);
  return new GatewayError(
    'UNKNOWN_ALIAS',
    `models/${name} is not found for API version v1beta, or is not supported by this gateway. Configured aliases: ${known.join(', ')}.`,
  );
}

/** What the client sees when no target could serve: which were tried and what each said. */
function exhaustedError(alias: AliasEntry, result: Extract<LoopResult, { kind: 'exhausted' }>): GatewayError {
  const tried = result.tried.map(describeTry).join('; ');
  const why: Record<typeof result.why, string> = {
    no_target: 'no target is in rotation (all pulled or ejected)',
    attempts: `all ${result.attempts} attempts failed`,
    budget: 'the retry budget is spent (upstream failures are widespread)',
    deadline: 'the request deadline passed',
    cancelled: 'the client went away',
    gateway_fault:
      'the upstream refused a request the gateway malformed (a bug in aliasgate; the target was not charged for it)',
  };
  const message = `${alias.name}: no target could serve the request: ${why[result.why]}.${tried ? ` Tried: ${tried}.` : ''}`;
  if (result.why === 'deadline') return new GatewayError('DEADLINE_EXCEEDED', message);
  if (result.why === 'gateway_fault') return new GatewayError('INTERNAL', message);
  const overloaded = result.tried.length > 0 && result.tried.every((t) => t.verdict.kind === 'overloaded');
  if (overloaded) {
    const delays = result.tried.map((t) =>
      t.verdict.kind === 'overloaded' ? (t.verdict.retryAfterMs ?? 1000) : 1000,
    );
    return new GatewayError('RESOURCE_EXHAUSTED', message, [retryInfo(Math.min(...delays))]);
  }
  return new GatewayError('NO_TARGET_AVAILABLE', message);
}

function describeTry(t: TriedTarget): string {
  return `${t.target.upstream}/${t.target.model} (${t.verdict.kind}: ${verdictReason(t.verdict)})`;
}

function verdictReason(v: Verdict): string {
  return v.kind === 'ok' ? 'ok' : v.reason;
}
