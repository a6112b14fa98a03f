import { canonicalStatus } from './status.js';

/** One entry of google.rpc.Status.details, e.g. RetryInfo or ErrorInfo. */
export type ErrorDetail = { '@type': string } & Record<string, unknown>;

/** google.rpc.Status as the Gemini API puts it on the wire. */
export interface ErrorStatus {
  code: number;
  message: string;
  status: string;
  details?: ErrorDetail[];
}

export interface ErrorEnvelope {
  error: ErrorStatus;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const SSE_CONTENT_TYPE = 'text/event-stream';

export function errorStatus(code: number, message: string, details?: ErrorDetail[]): ErrorStatus {
  const error: ErrorStatus = { code, message, status: canonicalStatus(code) };
  if (details && details.length > 0) error.details = details;
  return error;
}

/** The real service pretty-prints error bodies with a 2-space indent and a final newline (docs/wire.md §8.1). */
export function renderEnvelope(error: ErrorStatus): string {
  return `${JSON.stringify({ error }, null, 2)}\n`;
}

export function retryInfo(delayMs: number): ErrorDetail {
  const seconds = Math.max(0, delayMs) / 1000;
  return {
    '@type': 'type.googleapis.com/google.rpc.RetryInfo',
    retryDelay: `${Number(seconds.toFixed(3))}s`,
  };
}

/** Reads an error envelope from a body; accepts the OpenAI-compat array form `[{"error":…}]`. */
export function parseEnvelope(text: string): ErrorStatus | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'object' || value === null) return undefined;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Partial<ErrorStatus>;
  if (typeof e.code !== 'number' || typeof e.message !== 'string') return undefined;
  return {
    code: e.code,
    message: e.message,
    status: typeof e.status === 'string' ? e.status : canonicalStatus(e.code),
    ...(Array.isArray(e.details) ? { details: e.details } : {}),
  };
}

/** Milliseconds from a RetryInfo detail ("26s", "4.35s"), if any. */
export function retryDelayMs(error: ErrorStatus | undefined): number | undefined {
  for (const d of error?.details ?? []) {
    if (d['@type'].endsWith('google.rpc.RetryInfo') && typeof d.retryDelay === 'string') {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay);
      if (m) return Math.round(Number(m[1]) * 1000);
    }
  }
  return undefined;
}
