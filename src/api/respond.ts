import type { ServerResponse } from 'node:http';
import { type ErrorCode, GatewayError, isGatewayError } from '../errors.js';
import { errorStatus, JSON_CONTENT_TYPE, renderEnvelope } from '../wire/envelope.js';

/** Which API surface a request came through decides the error's outer shape. */
export type Surface = 'gemini' | 'openai';

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The one place errors the gateway raises itself become HTTP. On the Gemini surface: Google's envelope with the
 * canonical status (docs/wire.md §8). On the OpenAI-compatible surface: OpenAI's own shape,
 * `{"error": {"message", "type", "param", "code"}}`, the only one the openai SDK and LangChain read (Google's array
 * form `[{"error":…}]` reaches their users as "status code (no body)"); upstream errors still pass through as they
 * are. Anything that is not a GatewayError is a bug: the caller logs it and it is answered as 500 INTERNAL without its
 * message (which could carry anything).
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  surface: Surface,
  headers: Record<string, string> = {},
): void {
  const e = isGatewayError(error) ? error : new GatewayError('INTERNAL', 'Internal error in the gateway.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body =
    surface === 'openai'
      ? `${JSON.stringify({ error: openaiError(e) }, null, 2)}\n`
      : renderEnvelope(errorStatus(e.httpStatus, e.message, e.details));
  const retry =
    e.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(e.retryAfterMs / 1000)) };
  res.writeHead(e.httpStatus, {
    ...headers,
    ...retry,
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** OpenAI's `type` and `code` for each of our codes (OpenAI's own vocabulary, so its SDK maps them to its errors). */
const OPENAI: Partial<Record<ErrorCode, { type: string; code: string; param?: string }>> = {
  UNKNOWN_ALIAS: { type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
  METHOD_NOT_SUPPORTED: { type: 'invalid_request_error', code: 'unsupported_model', param: 'model' },
  API_KEY_MISSING: { type: 'invalid_request_error', code: 'missing_api_key' },
  API_KEY_INVALID: { type: 'invalid_request_error', code: 'invalid_api_key' },
  PERMISSION_DENIED: { type: 'invalid_request_error', code: 'model_not_allowed', param: 'model' },
  RATE_LIMITED: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  RESOURCE_EXHAUSTED: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  BODY_TOO_LARGE: { type: 'invalid_request_error', code: 'request_too_large' },
  NO_TARGET_AVAILABLE: { type: 'server_error', code: 'service_unavailable' },
  OVERLOADED: { type: 'server_error', code: 'service_unavailable' },
  DEADLINE_EXCEEDED: { type: 'server_error', code: 'timeout' },
  INTERNAL: { type: 'server_error', code: 'internal_error' },
};

function openaiError(e: GatewayError): { message: string; type: string; param: string | null; code: string } {
  const known = OPENAI[e.code];
  const type = known?.type ?? (e.httpStatus >= 500 ? 'server_error' : 'invalid_request_error');
  return { message: e.message, type, param: known?.param ?? null, code: known?.code ?? e.code.toLowerCase() };
}
