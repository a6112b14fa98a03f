import type { ErrorDetail } from './wire/envelope.js';
import { canonicalStatus } from './wire/status.js';

/**
 * The one catalogue of errors aliasgate itself raises. Each code fixes the HTTP status; the
 * Gemini status string follows from it (docs/wire.md §8.2). Surfaces render these at the edge.
 */
export const ERROR_CODES = {
  UNKNOWN_ALIAS: 404,
  UNKNOWN_ROUTE: 404,
  HTTP_METHOD_NOT_ALLOWED: 405,
  METHOD_NOT_SUPPORTED: 400,
  INVALID_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  API_KEY_MISSING: 403,
  API_KEY_INVALID: 400,
  /** A valid client key used for an alias it is not allowed. */
  PERMISSION_DENIED: 403,
  /** A client key over its own rate limit. */
  RATE_LIMITED: 429,
  ADMIN_UNAUTHORIZED: 401,
  /** A cross-site request to the admin API. */
  ADMIN_FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** An operator change that the current state forbids (a build still routed to, a rollout already running). */
  CONFLICT: 409,
  NO_TARGET_AVAILABLE: 503,
  /** The gateway sheds load: too many requests in flight. */
  OVERLOADED: 503,
  /** An operator change that the store cannot persist now. */
  STORE_UNAVAILABLE: 503,
  RESOURCE_EXHAUSTED: 429,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly isGatewayError = true;
  readonly httpStatus: number;
  readonly geminiStatus: string;
  /** When set, the answer carries `Retry-After` (a 429, or a 503 that sheds load). */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.httpStatus = ERROR_CODES[code];
    this.geminiStatus = canonicalStatus(this.httpStatus);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return typeof e === 'object' && e !== null && (e as GatewayError).isGatewayError === true;
}

/** A mistake in how a command was called: the CLI prints one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly isUsageError = true;
}

export function isUsageError(e: unknown): e is UsageError {
  return typeof e === 'object' && e !== null && (e as UsageError).isUsageError === true;
}

/** A config or scenario file that does not validate; the message names the field (and line). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly isConfigError = true;
}

export function isConfigError(e: unknown): e is ConfigError {
  return typeof e === 'object' && e !== null && (e as ConfigError).isConfigError === true;
}
