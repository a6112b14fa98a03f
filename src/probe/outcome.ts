/**
 * What one probe call came to. A failure keeps enough to group identical errors and to explain
 * them: the HTTP status and google.rpc status when the service answered with an error, or a
 * transport code when no usable answer arrived.
 */
export type FailureKind =
  /** The service answered with an error envelope (HTTP ≥ 400, or an error event inside a stream). */
  | 'http'
  /** A 200 whose body (or one SSE event) is not valid JSON. */
  | 'malformed'
  /** An answer that stopped before it was complete: connection cut mid-body, unterminated SSE event, no finishReason. */
  | 'cut'
  /** No complete answer within the per-call timeout. */
  | 'timeout'
  /** No answer at all: refused, DNS, TLS, reset before the status line. */
  | 'transport';

export interface CallError {
  kind: FailureKind;
  /** HTTP status of the answer (for `http`, the envelope's `code`), when there was one. */
  httpStatus?: number;
  /** google.rpc status string from the envelope (`NOT_FOUND`), when there was one. */
  status?: string;
  /** Stable transport code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) for `transport` and `cut`. */
  code?: string;
  /** True when the error arrived inside a stream that had started with 200 (docs/wire.md §7.3). */
  midStream?: boolean;
  /** The service's own message, verbatim, or the probe's one-line description. */
  message: string;
}

export type CallOutcome =
  | { ok: true /** wall time of the whole call, ms */; latencyMs: number }
  | { ok: false; latencyMs: number; error: CallError };

/** A short label for the error's class, e.g. `404 NOT_FOUND`, `ECONNREFUSED`, `timeout`. */
export function errorLabel(error: CallError): string {
  switch (error.kind) {
    case 'http': {
      const base = [error.httpStatus, error.status].filter((v) => v !== undefined).join(' ');
      return error.midStream ? `${base} (mid-stream)` : base;
    }
    case 'malformed':
      return `${error.httpStatus ?? 200} malformed`;
    case 'timeout':
      return 'timeout';
    case 'cut':
    case 'transport':
      return error.code ?? error.kind;
  }
}
