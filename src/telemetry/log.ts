import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * Human-readable lines for a person at a terminal (`serve` on a TTY); JSON stays the default everywhere else, where
 * a log shipper reads it. Synchronous, so the last lines before an exit are not lost.
 */
export function prettyDestination(): DestinationStream {
  return pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}

/** `?key=SECRET` (and `&key=`) → `key=[redacted]`, for any URL that is logged or echoed. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, '$1[redacted]');
}

/**
 * Lets at most `max` lines of one kind through per `windowMs`, then counts the rest and reports the count with the
 * next line let through: a client sending garbage, or a bug hit on every request, cannot flood the log.
 */
export class LogThrottle {
  readonly #windows = new Map<string, { start: number; shown: number; suppressed: number }>();

  constructor(
    private readonly now: () => number,
    private readonly max = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Undefined: drop the line. Otherwise the number of lines of this kind dropped since the last one shown. */
  admit(kind: string): number | undefined {
    const now = this.now();
    let w = this.#windows.get(kind);
    if (!w || now - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: now, shown: 0, suppressed: 0 };
      this.#windows.set(kind, w);
      w.shown++;
      return suppressed;
    }
    if (w.shown >= this.max) {
      w.suppressed++;
      return undefined;
    }
    w.shown++;
    return 0;
  }
}
