import type { AuditQuery, Pull, PullRequest } from './operator-store.js';

/** Reasons are upstream error messages at worst; cap them so one odd body cannot bloat the log. */
export const MAX_REASON_CHARS = 4096;
const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

/** The request as every store keeps it: each name present, the reason capped; a TypeError names a missing one. */
export function checkedPull(request: PullRequest): PullRequest {
  for (const field of ['alias', 'upstream', 'model', 'by'] as const) {
    if (typeof request[field] !== 'string' || request[field] === '') {
      throw new TypeError(`${field} must be a non-empty string`);
    }
  }
  return {
    alias: request.alias,
    upstream: request.upstream,
    model: request.model,
    by: request.by,
    reason: (request.reason ?? '').slice(0, MAX_REASON_CHARS),
  };
}

/** How many entries an audit query may return: its limit within 0..10,000, 100 when unset. */
export function auditLimit(query: AuditQuery): number {
  return Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_AUDIT_LIMIT), 0), MAX_AUDIT_LIMIT);
}

/** Pulls in the order every store lists them: oldest first, then by target. */
export function sortPulls(pulls: Pull[]): Pull[] {
  return pulls.sort(
    (a, b) =>
      a.at - b.at ||
      compare(a.alias, b.alias) ||
      compare(a.upstream, b.upstream) ||
      compare(a.model, b.model),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
