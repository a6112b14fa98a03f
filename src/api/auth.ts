import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientKeyConfig } from '../config/schema.js';
import { secretDigest } from '../config/secret.js';
import { type ErrorCode, GatewayError } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Rate } from '../limits/token-bucket.js';
import { invalidApiKey, missingApiKey } from '../wire/auth-errors.js';
import { type ErrorStatus, retryInfo } from '../wire/envelope.js';

/** A client key the gateway recognised: its name (for logs and metrics), what it may call, and its rate. */
export interface ClientKey {
  name: string;
  /** Undefined: every alias. */
  aliases: ReadonlySet<string> | undefined;
  rate: Rate | undefined;
}

/**
 * Client API keys, held only as SHA-256 digests (the clear key is hashed once per request and never kept). With none
 * configured the gateway is open (it warns at start). Errors copy the real service's (docs/wire.md §2.1): no key →
 * 403 PERMISSION_DENIED, a wrong key → 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID.
 */
export class ClientAuth {
  readonly #keys: { digest: Buffer; key: ClientKey }[];
  readonly #limiter: RateLimiter;

  constructor(keys: readonly ClientKeyConfig[], limiter: RateLimiter) {
    this.#keys = keys.map((k) => ({
      digest: Buffer.from(k.sha256, 'hex'),
      key: { name: k.name, aliases: k.aliases ? new Set(k.aliases) : undefined, rate: k.rateLimit },
    }));
    this.#limiter = limiter;
  }

  get open(): boolean {
    return this.#keys.length === 0;
  }

  /** The caller's key, or undefined for an open gateway; throws the real service's error for none or a wrong one. */
  check(headers: IncomingHttpHeaders, queryKey: string | undefined, bearer: boolean): ClientKey | undefined {
    if (this.open) return undefined;
    const presented = clientKey(headers, queryKey, bearer);
    if (!presented) throw fromStatus('API_KEY_MISSING', missingApiKey());
    // one hash of the presented key, compared with every known one in constant time
    const digest = secretDigest(presented);
    for (const { digest: known, key } of this.#keys) {
      if (known.length === digest.length && timingSafeEqual(known, digest)) return key;
    }
    throw fromStatus('API_KEY_INVALID', invalidApiKey());
  }

  /** Spends one request of the key's rate limit; throws 429 RESOURCE_EXHAUSTED with Retry-After when it is spent. */
  admit(key: ClientKey | undefined): void {
    if (!key?.rate) return;
    const waitMs = this.#limiter.take(key.name, key.rate);
    if (waitMs === 0) return;
    throw new GatewayError(
      'RATE_LIMITED',
      `Rate limit of client key '${key.name}' reached (${key.rate.requestsPerSecond} requests/s, burst ${key.rate.burst}); retry in ${Math.ceil(waitMs / 1000)} s.`,
      [retryInfo(waitMs)],
      { retryAfterMs: waitMs },
    );
  }
}

/** Whether the key may call `alias` (403 PERMISSION_DENIED naming it otherwise). */
export function checkScope(key: ClientKey | undefined, alias: string): void {
  if (!key?.aliases || key.aliases.has(alias)) return;
  throw new GatewayError(
    'PERMISSION_DENIED',
    `Client key '${key.name}' may not call models/${alias}; it may call ${[...key.aliases].join(', ')}.`,
  );
}

/** Whether the key may see `alias` in model lists. */
export function inScope(key: ClientKey | undefined, alias: string): boolean {
  return !key?.aliases || key.aliases.has(alias);
}

function clientKey(
  headers: IncomingHttpHeaders,
  queryKey: string | undefined,
  bearer: boolean,
): string | undefined {
  const header = headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return header;
  if (queryKey) return queryKey;
  return bearer ? bearerToken(headers.authorization) : undefined;
}

function fromStatus(code: ErrorCode, status: ErrorStatus): GatewayError {
  return new GatewayError(code, status.message, status.details);
}

/** `Bearer <token>`, the scheme in any case (RFC 9110 §11.1). */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : undefined;
}
