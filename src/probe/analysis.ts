import { type Comparison, compareModels } from './compare.js';
import { type Explanation, explain } from './explain.js';
import { redactKeyParams } from './format.js';
import type { ProbeResult } from './run.js';
import { type ModelSummary, summarize } from './summary.js';

/** Everything the table, the JSON document and the report print, computed once from a result. */
export interface ProbeAnalysis {
  result: ProbeResult;
  summaries: ModelSummary[];
  explanations: Explanation[];
  comparisons: Comparison[];
  /** Run-wide facts: the model list could not be read; nothing could be reached. */
  notes: string[];
  /** Every call failed before any answer (refused, DNS, TLS, reset): the endpoint is unreachable. */
  unreachable: boolean;
}

export function analyze(result: ProbeResult): ProbeAnalysis {
  const { settings, listing } = result;
  const summaries = result.runs.map((run) => summarize(run, listing));
  const outcomes = result.runs.flatMap((run) => run.outcomes);
  const unreachable = outcomes.length > 0 && outcomes.every((o) => !o.ok && o.error.kind === 'transport');
  const notes: string[] = [];
  if (unreachable) {
    const first = outcomes[0];
    const reason = first && !first.ok ? first.error.message : 'no answer';
    notes.push(
      `could not reach ${redactKeyParams(settings.baseUrl)}: ${reason}; all ${outcomes.length} calls failed`,
    );
  }
  if (!listing.ok) {
    notes.push(
      `could not list models (GET /${settings.apiVersion}/models: ${listing.error}); whether each model is published is unknown`,
    );
  }
  return {
    result,
    summaries,
    explanations: explain(summaries, settings),
    comparisons: compareModels(summaries),
    notes,
    unreachable,
  };
}

/** Models whose observed failure rate is above the threshold (a rate in [0, 1]). */
export function exceeding(analysis: ProbeAnalysis, maxFailureRate: number): ModelSummary[] {
  return analysis.summaries.filter((s) => s.failureRate > maxFailureRate);
}

/**
 * 1 when a model's observed failure rate exceeds `maxFailureRate`, or when the endpoint could
 * not be reached at all (even with no threshold: a monitor must not pass on a dead endpoint);
 * otherwise 0.
 */
export function probeExitStatus(analysis: ProbeAnalysis, maxFailureRate: number | undefined): 0 | 1 {
  if (analysis.unreachable) return 1;
  if (maxFailureRate !== undefined && exceeding(analysis, maxFailureRate).length > 0) return 1;
  return 0;
}
