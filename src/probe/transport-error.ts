import { transportCode, transportWords } from '../wire/transport-errors.js';

/**
 * Turns whatever undici or the socket threw into a stable code plus a one-line description (wire/transport-errors.ts),
 * so transport failures group as one error ("connection refused") and never print a stack trace.
 */
export interface TransportFailure {
  code: string;
  message: string;
}

export function describeTransportError(error: unknown): TransportFailure {
  const code = transportCode(error) ?? 'ERR_TRANSPORT';
  const known = transportWords(code);
  if (known) return { code, message: `${known} (${code})` };
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n', 1)[0]?.trim() || 'transport error';
  return { code, message: `${firstLine} (${code})` };
}
