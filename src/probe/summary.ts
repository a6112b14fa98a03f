import { type ErrorGroup, groupErrors } from './group.js';
import type { ModelListing } from './list-models.js';
import type { CallError } from './outcome.js';
import type { ModelRun } from './run.js';
import { type Interval, percentile, wilson } from './stats.js';

/** Median and 95th percentile, ms. */
export interface Latency {
  p50: number;
  p95: number;
}

/** The counted facts about one model: what the table, the JSON and the report print. */
export interface ModelSummary {
  model: string;
  calls: number;
  ok: number;
  failed: number;
  /** failed / calls, in [0, 1]. */
  failureRate: number;
  /** Wilson 95% interval of the failure rate. */
  interval: Interval;
  /** Latency of the successful calls (what a user waits for); undefined when none succeeded. */
  latency: Latency | undefined;
  errors: ErrorGroup[];
  /** Whether `GET models` lists it; undefined when the list could not be read. */
  listed: boolean | undefined;
}

export function summarize(run: ModelRun, listing: ModelListing): ModelSummary {
  const failures: CallError[] = [];
  const okLatencies: number[] = [];
  for (const outcome of run.outcomes) {
    if (outcome.ok) okLatencies.push(outcome.latencyMs);
    else failures.push(outcome.error);
  }
  const calls = run.outcomes.length;
  return {
    model: run.model,
    calls,
    ok: okLatencies.length,
    failed: failures.length,
    failureRate: calls === 0 ? 0 : failures.length / calls,
    interval: wilson(failures.length, calls),
    latency: latencyOf(okLatencies),
    errors: groupErrors(failures),
    listed: listing.ok ? listing.models.includes(run.model) : undefined,
  };
}

function latencyOf(values: number[]): Latency | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  return p50 === undefined || p95 === undefined ? undefined : { p50, p95 };
}
