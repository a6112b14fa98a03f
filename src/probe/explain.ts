import { rejectsKey } from '../wire/auth-errors.js';
import { otherModelNamed } from '../wire/model-names.js';
import { percent } from './format.js';
import type { ErrorGroup } from './group.js';
import type { ModelSummary } from './summary.js';

export type FindingKind =
  | 'healthy'
  | 'broken-backing-build'
  | 'model-not-found'
  | 'not-listed'
  | 'intermittent'
  | 'key'
  | 'quota'
  | 'server'
  | 'invalid-request'
  | 'malformed'
  | 'cut'
  | 'timeout'
  | 'unreachable';

/** One thing the evidence says about a model, in a sentence a person can act on. */
export interface Finding {
  kind: FindingKind;
  text: string;
  /** For `broken-backing-build`: the build the 404 named. */
  build?: string;
}

export interface Explanation {
  model: string;
  findings: Finding[];
}

export interface ExplainContext {
  /** For "GET /v1beta/models does not list it". */
  apiVersion: string;
  /** The per-call budget, ms, quoted by timeout findings. */
  timeoutMs: number;
  /** Whether an API key was sent; a 401/403 without one has an obvious cause. */
  authenticated: boolean;
}

/** Outcomes → per-model diagnosis. Pure; the order of findings is most failures first. */
export function explain(summaries: readonly ModelSummary[], context: ExplainContext): Explanation[] {
  return summaries.map((summary) => ({
    model: summary.model,
    findings: explainModel(summary, summaries, context),
  }));
}

interface Cause {
  kind: Exclude<FindingKind, 'healthy' | 'not-listed' | 'intermittent'>;
  build?: string;
}

function explainModel(
  summary: ModelSummary,
  all: readonly ModelSummary[],
  context: ExplainContext,
): Finding[] {
  const findings = causesOf(summary).map(({ cause, groups }) =>
    describe(cause, groups, summary, all, context),
  );
  const kinds = new Set(findings.map((f) => f.kind));
  if (summary.listed === false && !kinds.has('model-not-found')) {
    findings.push({
      kind: 'not-listed',
      text: `not a published model: GET /${context.apiVersion}/models does not list it`,
    });
  }
  if (summary.failed > 0 && summary.ok > 0 && !kinds.has('broken-backing-build')) {
    findings.push({
      kind: 'intermittent',
      text: `intermittent: fails ${percent(summary.failureRate)} of calls and succeeds on the rest`,
    });
  }
  if (summary.calls > 0 && summary.failed === 0) {
    findings.push({
      kind: 'healthy',
      text: `healthy: 0 failures in ${summary.calls} calls (failure rate below ${percent(summary.interval.upper)} at 95% confidence)`,
    });
  }
  return findings;
}

/** Error groups gathered by what they mean; groups arrive most frequent first, and stay so. */
function causesOf(summary: ModelSummary): { cause: Cause; groups: ErrorGroup[] }[] {
  const byCause = new Map<string, { cause: Cause; groups: ErrorGroup[] }>();
  for (const group of summary.errors) {
    const cause = causeOf(group, summary.model);
    const key = `${cause.kind}:${cause.build ?? ''}`;
    const entry = byCause.get(key);
    if (entry) entry.groups.push(group);
    else byCause.set(key, { cause, groups: [group] });
  }
  return [...byCause.values()].sort((a, b) => count(b.groups) - count(a.groups));
}

/**
 * What one kind of error means. A 404 that names another model is the dead-backing-build
 * signature (docs/design.md §3; docs/wire.md §0.12): the alias exists, one build behind it does not.
 * A bad key is a 400 API_KEY_INVALID on this API, not only 401/403 (docs/wire.md §2.1).
 */
export function causeOf(group: ErrorGroup, model: string): Cause {
  const error = group.example;
  if (error.kind !== 'http') return { kind: error.kind === 'transport' ? 'unreachable' : error.kind };
  const status = error.httpStatus ?? 0;
  if (rejectsKey({ code: status, message: error.message })) return { kind: 'key' };
  if (status === 404) {
    const build = otherModelNamed(error.message, model);
    return build ? { kind: 'broken-backing-build', build } : { kind: 'model-not-found' };
  }
  if (status === 429) return { kind: 'quota' };
  if (status >= 500) return { kind: 'server' };
  return { kind: 'invalid-request' };
}

function count(groups: readonly ErrorGroup[]): number {
  return groups.reduce((sum, g) => sum + g.count, 0);
}

function labels(groups: readonly ErrorGroup[]): string {
  return [...new Set(groups.map((g) => g.label))].join(', ');
}

function describe(
  cause: Cause,
  groups: ErrorGroup[],
  summary: ModelSummary,
  all: readonly ModelSummary[],
  context: ExplainContext,
): Finding {
  const n = count(groups);
  const of = `${n} of ${summary.calls} calls`;
  switch (cause.kind) {
    case 'broken-backing-build':
      return {
        kind: cause.kind,
        build: cause.build,
        text:
          `a backing build (${cause.build}) behind this alias is broken: ${of} got 404 naming ${cause.build}, not ${summary.model}` +
          (summary.ok > 0
            ? `; the other ${summary.ok} succeeded, so other builds behind the alias work`
            : '') +
          siblingClause(summary, all),
      };
    case 'model-not-found':
      return { kind: cause.kind, text: notFoundText(summary, of, context) };
    case 'key': {
      const reason = context.authenticated
        ? 'the API key is invalid or has no access to this model'
        : 'no API key was sent (--key, GEMINI_API_KEY or GOOGLE_API_KEY)';
      return { kind: 'key', text: `key problem: ${of} got ${labels(groups)}; ${reason}` };
    }
    case 'quota':
      return {
        kind: cause.kind,
        text: `quota: ${of} got 429 RESOURCE_EXHAUSTED; a rate or quota limit was reached (lower --concurrency or check the project's quota)`,
      };
    case 'server':
      return {
        kind: cause.kind,
        text: `server errors: ${of} got ${labels(groups)}; the service is failing or overloaded (transient, retryable)`,
      };
    case 'invalid-request':
      return {
        kind: cause.kind,
        text: `request rejected: ${of} got ${labels(groups)}; check the request body and that the model supports the method`,
      };
    case 'malformed':
      return {
        kind: cause.kind,
        text: `malformed answers: ${of} were not valid JSON; something other than a Gemini API answered (a proxy, or a wrong --base-url?)`,
      };
    case 'cut':
      return {
        kind: cause.kind,
        text: `cut answers: ${of} stopped before they were complete; the connection or the stream broke mid-answer`,
      };
    case 'timeout':
      return {
        kind: cause.kind,
        text: `timeouts: ${of} had no complete answer within ${context.timeoutMs} ms; the service is slow or hanging`,
      };
    case 'unreachable':
      return {
        kind: cause.kind,
        text: `unreachable: ${of} failed before any answer: ${groups[0]!.example.message}`,
      };
  }
}

function notFoundText(summary: ModelSummary, of: string, context: ExplainContext): string {
  const list = `GET /${context.apiVersion}/models`;
  if (summary.listed === false) return `not a published model: ${list} does not list it, and ${of} got 404`;
  if (summary.listed === true)
    return `published but not served: ${list} lists it, yet ${of} got 404 naming the model itself`;
  return `model not found: ${of} got 404 naming the model itself; check the name and the API version`;
}

/** "sibling models are healthy" needs every other probed model at 0 failures (the incident's key fact). */
function siblingClause(summary: ModelSummary, all: readonly ModelSummary[]): string {
  const siblings = all.filter((s) => s !== summary && s.calls > 0);
  const healthy = siblings.filter((s) => s.failed === 0);
  if (healthy.length === 0) return '';
  const names = healthy.map((s) => s.model).join(', ');
  if (healthy.length === siblings.length) return `; sibling models are healthy (${names}: 0 failures)`;
  return `; healthy siblings: ${names}`;
}
