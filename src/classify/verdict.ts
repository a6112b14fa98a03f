/**
 * What one upstream answer means for routing and health (docs/design.md §2).
 *
 * - `ok`: the target served the request.
 * - `client_error`: final. The client's request is at fault; pass the answer through unchanged and
 *   never retry it. For health it counts as a success: the target answered.
 * - `target_fault`: this target is broken (e.g. the incident's `404 Model not found:
 *   models/<dead backing build>`). Retry on another target; counts toward ejecting this one.
 * - `overloaded`: a 429. Shift load away for `retryAfterMs` (Retry-After / RetryInfo), but never eject.
 * - `transient`: a 5xx, reset, refusal, timeout or malformed body. Retry; counts toward ejection.
 *   `origin` separates faults seen on our side of the wire (connection, timeout, parse) from
 *   faults the upstream reported itself, as Envoy's `split_external_local_origin_errors` does.
 * - `gateway_fault`: the upstream refused a request the gateway malformed (it named the client's alias instead of
 *   the target's model). A bug of ours: final, answered as 500, logged as an error, and never charged to the
 *   target's health.
 */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'client_error'; reason: string }
  | {
      kind: 'target_fault';
      reason: string;
      /**
       * Set when the answer is Google's one 404 for "no such model" and "no such method" naming this method
       * (classify.ts: mayRefuseMethod): only the model's own resource can tell it from a missing model (the router asks).
       */
      unlessLacking?: string;
    }
  | { kind: 'overloaded'; reason: string; retryAfterMs?: number }
  | { kind: 'transient'; reason: string; origin: 'local' | 'external' }
  | { kind: 'gateway_fault'; reason: string };

export type VerdictKind = Verdict['kind'];

/** The one `ok` verdict; shared so the hot path allocates nothing for a success. */
export const OK: Verdict = Object.freeze({ kind: 'ok' });
