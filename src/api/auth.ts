import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { hashSecret } from '../config/secret.js';
import { type ErrorCode, GatewayError } from '../errors.js';
import { invalidApiKey, missingApiKey } from '../wire/auth-errors.js';
import type { ErrorStatus } from '../wire/envelope.js';

/**
 * Client API keys, held only as SHA-256 hashes. With none configured the gateway is open (it warns at start).
 * Errors copy the real service's (wire spec §2.1): no key → 403 PERMISSION_DENIED, a wrong key → 400
 * INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID.
 */
export class ClientAuth {
  readonly #hashes: Map<string, string>;
  /** Keys seen valid recently, so the hash is not recomputed per request. Bounded. */
  readonly #recent = new Map<string, string>();

  constructor(keys: { name: string; sha256: string }[]) {
    this.#hashes = new Map(keys.map((k) => [k.sha256.toLowerCase(), k.name]));
  }

  get open(): boolean {
    return this.#hashes.size === 0;
  }

  /** Returns the key's name, or throws the real service's error. */
  check(headers: IncomingHttpHeaders, queryKey: string | undefined, bearer: boolean): string | undefined {
    if (this.open) return undefined;
    const key = clientKey(headers, queryKey, bearer);
    if (!key) throw fromStatus('API_KEY_MISSING', missingApiKey());
    const cached = this.#recent.get(key);
    if (cached) return cached;
    // one hash of the presented key, compared with every known one in constant time
    const digest = Buffer.from(hashSecret(key), 'hex');
    for (const [known, name] of this.#hashes) {
      const expected = Buffer.from(known, 'hex');
      if (expected.length === digest.length && timingSafeEqual(expected, digest)) {
        if (this.#recent.size > 1000) this.#recent.clear();
        this.#recent.set(key, name);
        return name;
      }
    }
    throw fromStatus('API_KEY_INVALID', invalidApiKey());
  }
}

function clientKey(
  headers: IncomingHttpHeaders,
  queryKey: string | undefined,
  bearer: boolean,
): string | undefined {
  const header = headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return header;
  if (queryKey) return queryKey;
  const auth = headers.authorization;
  if (bearer && typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return undefined;
}

function fromStatus(code: ErrorCode, status: ErrorStatus): GatewayError {
  return new GatewayError(code, status.message, status.details);
}
