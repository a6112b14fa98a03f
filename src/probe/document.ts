import { exceeding, type ProbeAnalysis, probeExitStatus } from './analysis.js';
import { redactKeyParams } from './format.js';
import { methodName } from './options.js';

/**
 * The `--json` view: one document with everything the table shows, as numbers (rates in [0, 1],
 * latencies in ms). Stable field names; a monitor can read it. Never holds the API key.
 */
export function toJsonDocument(analysis: ProbeAnalysis, maxFailureRate?: number) {
  const { result } = analysis;
  const s = result.settings;
  return {
    startedAt: result.startedAt,
    durationMs: Math.round(result.durationMs),
    baseUrl: redactKeyParams(s.baseUrl),
    apiVersion: s.apiVersion,
    method: methodName(s.stream),
    callsPerModel: s.calls,
    concurrency: s.concurrency,
    timeoutMs: s.timeoutMs,
    authenticated: s.authenticated,
    listing: result.listing.ok
      ? { ok: true, count: result.listing.models.length }
      : { ok: false, error: result.listing.error },
    models: analysis.summaries.map((summary, i) => ({
      model: summary.model,
      listed: summary.listed ?? null,
      calls: summary.calls,
      ok: summary.ok,
      failed: summary.failed,
      failureRate: summary.failureRate,
      interval95: summary.interval,
      latencyMs: summary.latency ?? null,
      errors: summary.errors.map((g) => ({ label: g.label, ...g.example, count: g.count })),
      explanations: analysis.explanations[i]?.findings ?? [],
    })),
    comparisons: analysis.comparisons,
    notes: analysis.notes,
    unreachable: analysis.unreachable,
    maxFailureRate: maxFailureRate ?? null,
    exceeded: maxFailureRate === undefined ? [] : exceeding(analysis, maxFailureRate).map((m) => m.model),
    exitStatus: probeExitStatus(analysis, maxFailureRate),
  };
}

export type ProbeDocument = ReturnType<typeof toJsonDocument>;
