import { type ArmCounts, judgeStep, type StepVerdict } from './analysis.js';
import { describeVerdict } from './describe.js';

/**
 * A progressive rollout of one build on one alias, as persisted: the plan the operator gave and where it stands.
 * Pure data; every change is a new value with `rev` one higher, so replicas that race to decide a step cannot both
 * win (the store writes a rollout only over the revision it was derived from).
 */
export interface Rollout {
  /** `${alias}@${startedAt}`. */
  id: string;
  alias: string;
  upstream: string;
  model: string;
  /** The build this one replaces: drained and pulled once the new one carries the whole alias. */
  replace?: string;
  /** Shares of the alias's traffic, ascending, each in (0, 1]. */
  steps: number[];
  intervalMs: number;
  minRequests: number;
  maxFailureRate?: number;
  /** The chance of aborting a rollout of a build as good as the rest, over all analysed steps. */
  alpha: number;
  state: RolloutState;
  /** 0-based index into steps. */
  step: number;
  /** When the current step began (epoch ms); a resumed pause starts its step again. */
  stepStartedAt: number;
  /** When the step is looked at next: its end, then an interval later each time it is held for more data. */
  lookAt: number;
  /** Whether the rollout added the build to the alias (then a failed rollout takes it off again). */
  added: boolean;
  startedAt: number;
  endedAt?: number;
  by: string;
  reason: string;
  /** One line per decision, with the numbers behind it (describeVerdict). */
  history: string[];
  /** Why it stopped, for a failed or aborted rollout. */
  stopped?: string;
  /** The replaced build's drain: set when the new build reached 100%; pulled when done. */
  replacedAt?: number;
  rev: number;
}

export type RolloutState = 'running' | 'paused' | 'draining' | 'succeeded' | 'failed' | 'aborted';

/** Still changing traffic: only one such rollout per alias at a time. */
export function isActive(r: Pick<Rollout, 'state'>): boolean {
  return r.state === 'running' || r.state === 'paused' || r.state === 'draining';
}

/** What one step's window saw of the new build (candidate) and the alias's other targets (baseline). */
export interface StepCounts {
  candidate: ArmCounts;
  baseline: ArmCounts;
}

export type StepDecision =
  | { kind: 'wait' }
  | { kind: 'hold'; why: string }
  | { kind: 'advance'; why: string }
  | { kind: 'promote'; why: string }
  | { kind: 'fail'; why: string };

/** The steps that are judged against a baseline: every step below 100% (at 100% nothing else serves). */
export function analysedSteps(steps: readonly number[]): number {
  return Math.max(1, steps.filter((s) => s < 1).length);
}

/**
 * What to do with a running rollout now. Before the step's interval is up: wait. After it, a step below 100% is
 * judged by the analysis (analysis.ts): pass advances, fail stops the rollout, too little data holds the step and
 * looks again an interval later (an interim look: only overwhelming evidence fails it). The 100% step has no
 * concurrent baseline: it holds only against maxFailureRate, then promotes. Target faults (a 404 naming the build)
 * stop a rollout at once, before any of this (lifecycle/driver.ts).
 */
export function decideStep(rollout: Rollout, counts: StepCounts, now: number): StepDecision {
  if (now < rollout.lookAt) return { kind: 'wait' };
  const share = rollout.steps[rollout.step]!;
  const last = rollout.step === rollout.steps.length - 1;
  if (share >= 1) return decideFull(rollout, counts);
  const verdict = judgeStep(
    counts.candidate,
    counts.baseline,
    {
      alpha: rollout.alpha,
      minRequests: rollout.minRequests,
      ...(rollout.maxFailureRate !== undefined ? { maxFailureRate: rollout.maxFailureRate } : {}),
    },
    rollout.step,
    analysedSteps(rollout.steps),
  );
  return fromVerdict(verdict, last, { step: rollout.step, steps: rollout.steps.length });
}

function fromVerdict(verdict: StepVerdict, last: boolean, at: { step: number; steps: number }): StepDecision {
  const why = describeVerdict(verdict, at);
  switch (verdict.kind) {
    case 'fail':
      return { kind: 'fail', why };
    case 'inconclusive':
      return { kind: 'hold', why };
    case 'pass':
      return last ? { kind: 'promote', why } : { kind: 'advance', why };
  }
}

function decideFull(rollout: Rollout, counts: StepCounts): StepDecision {
  const { requests, failures } = counts.candidate;
  const rate = requests === 0 ? 0 : failures / requests;
  const where = `step ${rollout.step + 1}/${rollout.steps.length} (100%)`;
  if (
    rollout.maxFailureRate !== undefined &&
    requests >= rollout.minRequests &&
    rate > rollout.maxFailureRate
  ) {
    return {
      kind: 'fail',
      why: `${where}: fail, above the maximum failure rate; candidate ${failures}/${requests} failed (${pct(rate)} > ${pct(rollout.maxFailureRate)})`,
    };
  }
  return { kind: 'promote', why: `${where}: pass; candidate ${failures}/${requests} failed over the step` };
}

/** The new build's share of the alias's traffic now: its step's share while it runs, 0 once it failed. */
export function candidateShare(rollout: Rollout): number {
  if (rollout.state === 'failed' || rollout.state === 'aborted') return 0;
  return rollout.steps[rollout.step] ?? 0;
}

/** `10,50,100` → [0.1, 0.5, 1]: ascending percentages in (0, 100]. Throws a sentence on anything else. */
export function parseSteps(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const steps = parts.map((p) => {
    const n = Number(p.replace(/%$/, ''));
    if (p === '' || !Number.isFinite(n) || n <= 0 || n > 100) {
      throw new RangeError(`--steps: each step is a percentage in (0, 100], got "${p}"`);
    }
    return n / 100;
  });
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! <= steps[i - 1]!) throw new RangeError(`--steps must increase, got ${text}`);
  }
  return steps;
}

/** `30s`, `5m`, `1h`, `250ms`, or a bare number of seconds → ms. Throws a sentence on anything else. */
export function parseDuration(text: string, flag = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new RangeError(`${flag}: expected a duration such as 30s, 5m or 1h, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(match[1]) * unit);
  if (ms <= 0) throw new RangeError(`${flag}: must be more than 0, got "${text}"`);
  return ms;
}

/** A share as people write it: 0.1 → `10%`. */
export function pct(share: number): string {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** The most history lines a rollout keeps (its decisions; the audit log keeps them all). */
export const HISTORY_LINES = 50;

/** The rollout with one more line of history, the oldest dropped beyond HISTORY_LINES. */
export function withHistory(r: Rollout, line: string): Rollout {
  return { ...r, history: [...r.history, line].slice(-HISTORY_LINES) };
}

/** One line for the status page and the CLI: where the rollout is and why. */
export function describeRollout(r: Rollout): string {
  const at = `step ${r.step + 1}/${r.steps.length} (${pct(r.steps[r.step] ?? 0)})`;
  switch (r.state) {
    case 'running':
      return `running, ${at}`;
    case 'paused':
      return `paused at ${at}`;
    case 'draining':
      return `at 100%, draining ${r.replace}`;
    case 'succeeded':
      return `succeeded at ${pct(r.steps[r.step] ?? 0)}${r.replace ? `; ${r.replace} drained and pulled` : ''}`;
    case 'failed':
      return `failed at ${at}: ${r.stopped ?? ''}`;
    case 'aborted':
      return `aborted at ${at}: ${r.stopped ?? ''}`;
  }
}
