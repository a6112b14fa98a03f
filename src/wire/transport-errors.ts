/**
 * What a failed connection or request means, read from the error's stable `code` — undici 7's `UND_ERR_*`
 * (lib/core/errors.js), Node's system errors, and the gateway's own `ATTEMPT_TIMEOUT` (per-try timer fired) and
 * `MALFORMED_BODY` (a 2xx whose body could not be framed) — never from message text. The gateway's classifier and the
 * probe's error grouping both read this one table.
 */
const WORDS: Readonly<Record<string, string>> = {
  UND_ERR_SOCKET: 'connection closed by the other side mid-request',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'request body length mismatch',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response body shorter or longer than its content-length',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'response body too large',
  UND_ERR_CLOSED: 'connection pool closed',
  UND_ERR_DESTROYED: 'connection pool destroyed',
  UND_ERR_ABORTED: 'request aborted',
  ECONNRESET: 'connection reset by the other side',
  ECONNREFUSED: 'connection refused',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'network timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found in DNS',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ATTEMPT_TIMEOUT: 'attempt timed out',
  MALFORMED_BODY: 'upstream body malformed',
};

/** The words for a code, or '' when it is not one we know (HTTP parser codes are all one kind). */
export function transportWords(code: string): string {
  return WORDS[code] ?? (code.startsWith('HPE_') ? 'malformed HTTP from the other side' : '');
}

/**
 * The first string `code` on the error or its causes (undici's fetch wraps the real error in `TypeError: fetch
 * failed`; a happy-eyeballs connect fails with an AggregateError of several).
 */
export function transportCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && code !== '' && code !== 'UND_ERR') return code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return undefined;
}
