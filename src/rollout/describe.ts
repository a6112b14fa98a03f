import { percent, pValue } from '../probe/format.js';
import type { ArmEvidence, Evidence, StepVerdict } from './analysis.js';

/**
 * One line for logs, the audit log and the CLI that says why a step stopped or went on, with the
 * numbers behind it, e.g.
 * `step 1/3: fail, worse than the baseline; candidate 11/100 failed (11.0%, 95% CI 6.3–18.6%) vs
 * baseline 9/900 failed (1.0%, 95% CI 0.5–1.9%); one-sided Fisher's exact test z = 6.78,
 * p = 4.6e-7 < 0.0167 (alpha 0.05 over 3 judged steps)`.
 */
export function describeVerdict(verdict: StepVerdict, of?: { step: number; steps: number }): string {
  const e = verdict.evidence;
  // the rollout's own numbering when given (the 100% step is not judged against a baseline, so the analysis counts
  // one step fewer); the dashboard, the CLI and this line must name the same step the same way
  const at = of ?? { step: e.stepIndex, steps: e.steps };
  const parts = [
    `step ${at.step + 1}/${at.steps}: ${headline(verdict)}`,
    `candidate ${arm(e.candidate)} vs baseline ${arm(e.baseline)}`,
    comparison(e),
  ];
  const max = maxRate(e);
  if (max) parts.push(max);
  return parts.join('; ');
}

function headline(verdict: StepVerdict): string {
  const { thresholds, candidate, baseline } = verdict.evidence;
  switch (verdict.kind) {
    case 'fail':
      return verdict.reason === 'worse-than-baseline'
        ? 'fail, worse than the baseline'
        : 'fail, above the maximum failure rate';
    case 'inconclusive':
      return verdict.reason === 'too-few-requests'
        ? `inconclusive, too few requests (${candidate.requests} of the ${thresholds.minRequests} needed)`
        : `inconclusive, too few baseline requests to compare (${baseline.requests} of the ${thresholds.minBaselineRequests} needed)`;
    case 'pass':
      return baseline.requests < thresholds.minBaselineRequests
        ? 'pass on the maximum failure rate alone (too few baseline requests to compare)'
        : 'pass';
  }
}

function arm(a: ArmEvidence): string {
  if (a.requests === 0) return 'no requests';
  const { lower, upper } = a.interval;
  const ci = `${(lower * 100).toFixed(1)}–${percent(upper)}`;
  return `${a.failures}/${a.requests} failed (${percent(a.rate)}, 95% CI ${ci})`;
}

function comparison(e: Evidence): string {
  const c = e.comparison;
  if (!c) return 'no comparison (an arm has no requests)';
  const name = c.test === 'z' ? 'one-sided z-test' : "one-sided Fisher's exact test";
  const against = c.p < c.level ? '<' : '≥';
  const why =
    e.look === 'final'
      ? `alpha ${level(e.thresholds.alpha)} over ${e.steps} judged ${e.steps === 1 ? 'step' : 'steps'}`
      : 'interim look: only overwhelming evidence fails';
  return `${name} z = ${c.z.toFixed(2)}, ${pValue(c.p)} ${against} ${level(c.level)} (${why})`;
}

function maxRate(e: Evidence): string | undefined {
  const m = e.maxRate;
  if (!m) return undefined;
  if (m.p === undefined)
    return `failure rate ${percent(m.rate)} ${m.exceeded ? '>' : '≤'} max ${percent(m.limit)}`;
  const against = `${pValue(m.p)} ${m.exceeded ? '<' : '≥'} ${level(e.thresholds.interimP)}`;
  return `failure rate ${percent(m.rate)} against max ${percent(m.limit)}: exact binomial ${against}`;
}

/** 0.016666… → `0.0167`, 0.05 → `0.05`. */
function level(x: number): string {
  return String(Number(x.toPrecision(3)));
}
