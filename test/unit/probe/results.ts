import type { ModelListing } from '../../../src/probe/list-models.js';
import { promptBody } from '../../../src/probe/options.js';
import type { CallError, CallOutcome } from '../../../src/probe/outcome.js';
import type { ProbeResult } from '../../../src/probe/run.js';

/** `n` identical successes, 10 ms each. */
export function oks(n: number): CallOutcome[] {
  return Array.from({ length: n }, () => ({ ok: true, latencyMs: 10 }));
}

/** `n` identical failures. */
export function fails(n: number, error: CallError): CallOutcome[] {
  return Array.from({ length: n }, () => ({ ok: false, latencyMs: 2, error }));
}

export function http(httpStatus: number, status: string, message: string): CallError {
  return { kind: 'http', httpStatus, status, message };
}

export const DEAD_404 = http(404, 'NOT_FOUND', 'Model not found: models/gemini-v4p1s-rev24-ajax-sentinel');

/** A finished probe with the given outcomes per model, against a base URL that is not Google's. */
export function probeResult(
  runs: Record<string, CallOutcome[]>,
  listing: ModelListing = { ok: true, models: Object.keys(runs) },
  overrides: Partial<ProbeResult['settings']> = {},
): ProbeResult {
  const models = Object.keys(runs);
  return {
    settings: {
      baseUrl: 'http://127.0.0.1:8787',
      apiVersion: 'v1beta',
      models,
      calls: Math.max(...Object.values(runs).map((o) => o.length)),
      concurrency: 4,
      stream: false,
      body: promptBody('hi'),
      bodySource: { prompt: 'hi' },
      timeoutMs: 30_000,
      authenticated: true,
      ...overrides,
    },
    listing,
    runs: Object.entries(runs).map(([model, outcomes]) => ({ model, outcomes })),
    startedAt: '2026-05-29T22:00:00.000Z',
    durationMs: 1234,
  };
}

/** The incident's own numbers: 17 of 25 dead-build 404s; three siblings at 0 of 12. */
export function incidentResult(): ProbeResult {
  return probeResult({
    'gemini-3.5-flash': [...fails(17, DEAD_404), ...oks(8)],
    'gemini-flash-latest': oks(12),
    'gemini-3-flash-preview': oks(12),
    'gemini-2.5-flash': oks(12),
  });
}
