/**
 * Turns whatever undici or the socket threw into a stable code plus a one-line description, so
 * transport failures group as one error ("connection refused") and never print a stack trace.
 */
export interface TransportFailure {
  code: string;
  message: string;
}

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the other side',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_CLOSED: 'client closed',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'request body length mismatch',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response body shorter than its Content-Length',
};

/** The code of an error, looking through `cause` and AggregateError (happy-eyeballs connects). */
function findCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = findCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return findCode(e.cause, depth + 1);
}

export function describeTransportError(error: unknown): TransportFailure {
  const code = findCode(error) ?? 'ERR_TRANSPORT';
  const known = DESCRIPTIONS[code];
  if (known) return { code, message: `${known} (${code})` };
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n', 1)[0]?.trim() || 'transport error';
  return { code, message: `${firstLine} (${code})` };
}
