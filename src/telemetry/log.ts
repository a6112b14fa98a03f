import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured logs. Keys never appear: pino's redaction removes them from any logged object, and URLs are logged
 * through redactUrl(). Per-request lines are debug; health and operator events are info/warn.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'aliasgate' },
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          'key',
          'headers["x-goog-api-key"]',
          'headers.authorization',
          '*.headers["x-goog-api-key"]',
          '*.headers.authorization',
          'adminToken',
          '*.adminToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** `?key=SECRET` (and `&key=`) → `key=[redacted]`, for any URL that is logged or echoed. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, '$1[redacted]');
}
