import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors.js';
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
 * The one place errors the gateway raises itself become HTTP: the Gemini envelope with the canonical status
 * (wire spec §8); on the OpenAI-compatible surface Google wraps the same envelope in an array (§11).
 * Anything that is not a GatewayError is a bug: it is logged by the caller and answered as 500 INTERNAL
 * without its message (which could carry anything).
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
  const status = errorStatus(e.httpStatus, e.message, e.details);
  const body =
    surface === 'openai' ? `${JSON.stringify([{ error: status }], null, 2)}\n` : renderEnvelope(status);
  res.writeHead(e.httpStatus, {
    ...headers,
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
