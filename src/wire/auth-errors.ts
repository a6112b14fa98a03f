import { type ErrorStatus, errorStatus } from './envelope.js';

/**
 * The real service's answers to a missing or wrong API key (docs/wire.md §2.1): the simulator sends them and the
 * gateway's own client-key check copies them, so clients see one behaviour with or without the gateway.
 */
/** 403 when no key is given (O: gunpal5/Google_GenerativeAI#15). */
export function missingApiKey(): ErrorStatus {
  return errorStatus(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or " +
      'other form of API consumer identity to call this API.',
  );
}

const INVALID_KEY_TEXT = 'API key not valid. Please pass a valid API key.';

/** 400 (not 401) for a wrong key, with ErrorInfo API_KEY_INVALID (O: continuedev/continue#8516). */
export function invalidApiKey(): ErrorStatus {
  return errorStatus(400, INVALID_KEY_TEXT, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    {
      '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
      locale: 'en-US',
      message: INVALID_KEY_TEXT,
    },
  ]);
}

/** ErrorInfo reasons that mean the caller's key was refused (docs/wire.md §2.1). */
const KEY_REASONS: ReadonlySet<string> = new Set(['API_KEY_INVALID']);

/**
 * Whether an error answer means the API key was refused: 401 or 403, or Google's 400 for a bad key (an ErrorInfo
 * `API_KEY_INVALID`, or, where the details were not kept, its message "API key not valid"). The gateway's classifier
 * reads it as a fault of its own upstream key; the probe as a key problem to report.
 */
export function rejectsKey(error: {
  code: number;
  message?: string;
  details?: readonly { '@type': string }[];
}): boolean {
  if (error.code === 401 || error.code === 403) return true;
  if (error.code !== 400) return false;
  for (const detail of error.details ?? []) {
    const reason = (detail as { reason?: unknown }).reason;
    if (detail['@type'].endsWith('google.rpc.ErrorInfo') && KEY_REASONS.has(String(reason))) return true;
  }
  return /API[_ ]key not valid|API_KEY_INVALID/i.test(error.message ?? '');
}
