import { errorStatus, parseEnvelope } from '../wire/envelope.js';
import { openaiErrorFromGoogle } from './openai/responses-error.js';

/**
 * An upstream's error body for a client of the OpenAI-compatible surface, in OpenAI's shape
 * `{"error": {"message", "type", "param", "code"}}` with the upstream's status. Google answers that surface in its own
 * envelope, usually wrapped in an array (docs/wire.md §11), which the openai SDK and LangChain report as "status code
 * (no body)"; a body already in OpenAI's shape (an upstream that speaks it) is kept as it is.
 */
export function openaiUpstreamError(httpStatus: number, body: Buffer): Buffer {
  const text = body.toString('utf8');
  if (isOpenaiShaped(text)) return body;
  const status =
    parseEnvelope(text) ?? errorStatus(httpStatus, text.trim().slice(0, 2000) || `HTTP ${httpStatus}`);
  return Buffer.from(
    `${JSON.stringify({ error: openaiErrorFromGoogle(httpStatus, status).error }, null, 2)}\n`,
  );
}

function isOpenaiShaped(text: string): boolean {
  try {
    const value = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } };
    return typeof value?.error?.message === 'string' && typeof value.error.type === 'string';
  } catch {
    return false;
  }
}
