import type { Verdict } from '../classify/verdict.js';
import type { OutlierPolicy } from './policy.js';
import { SlidingWindow } from './sliding-window.js';

/** Which rule found the outlier. */
export type OutlierRule =
  | 'consecutive_target_faults'
  | 'consecutive_transient'
  | 'failure_rate'
  | 'probation';

/** A decision to eject, with a reason fit for logs, events and the incident history. */
export interface Detection {
  rule: OutlierRule;
  reason: string;
}

/** Answers in the detector's window; successRate is null while the window is empty. */
export interface WindowStats {
  requests: number;
  failures: number;
  successRate: number | null;
}

const REQUESTS = 0;
const FAILURES = 1;

/**
 * Passive outlier detection for one target, fed with the verdicts of real traffic (Envoy's
 * `consecutive_5xx` and `failure_percentage` detectors, over our verdicts):
 *
 * - `target_fault` extends the target-fault streak, `transient` the transient streak; `ok` and
 *   `client_error` (the target answered) end both; `overloaded` (a 429 is no fault) and `gateway_fault` (our
 *   own malformed request) touch neither.
 * - The window counts `ok`/`client_error` as answered and `target_fault`/`transient` as failed;
 *   `overloaded` is not counted.
 * - It says "eject" when either streak reaches its threshold, or when the window holds at least
 *   `minRequests` answers of which a share ≥ `threshold` failed. The rate is judged only when a
 *   failure arrives, so a success never triggers an ejection.
 * - Probation (passive-only mode): a target just back from ejection without health checks is
 *   ejected again by its first fault; its first success ends probation.
 *
 * After a detection the owner resets the detector (the evidence is used up), whether or not the
 * ejection was enforced. `record` allocates only when it returns a Detection.
 */
export class OutlierDetector {
  readonly #policy: OutlierPolicy;
  /** Evidence for the failure-rate rule; cleared when a detection uses it up. */
  readonly #window: SlidingWindow;
  /** The same counts, never cleared: what status pages and the least-bad choice read. */
  readonly #seen: SlidingWindow;
  #targetFaults = 0;
  #transients = 0;
  #probation = false;

  constructor(policy: OutlierPolicy) {
    this.#policy = policy;
    this.#window = new SlidingWindow(policy.failureRate.windowMs, 2);
    this.#seen = new SlidingWindow(policy.failureRate.windowMs, 2);
  }

  /** Feeds one verdict observed at `now` (epoch ms); returns a Detection when the target should go. */
  record(verdict: Verdict, now: number): Detection | undefined {
    switch (verdict.kind) {
      case 'ok':
      case 'client_error':
        this.#targetFaults = 0;
        this.#transients = 0;
        this.#probation = false;
        this.#window.add(now, REQUESTS);
        this.#seen.add(now, REQUESTS);
        return undefined;
      case 'overloaded':
      case 'gateway_fault':
        return undefined;
      case 'target_fault':
        this.#targetFaults++;
        return this.#failed(now, verdict.reason);
      case 'transient':
        this.#transients++;
        return this.#failed(now, verdict.reason);
    }
  }

  #failed(now: number, last: string): Detection | undefined {
    this.#window.add(now, REQUESTS);
    this.#window.add(now, FAILURES);
    this.#seen.add(now, REQUESTS);
    this.#seen.add(now, FAILURES);
    const policy = this.#policy;
    if (this.#probation) {
      return { rule: 'probation', reason: `failed again right after its ejection ended; last: ${last}` };
    }
    if (this.#targetFaults >= policy.consecutiveTargetFaults) {
      return {
        rule: 'consecutive_target_faults',
        reason: `${this.#targetFaults} target faults in a row; last: ${last}`,
      };
    }
    if (this.#transients >= policy.consecutiveTransient) {
      return {
        rule: 'consecutive_transient',
        reason: `${this.#transients} transient faults in a row; last: ${last}`,
      };
    }
    const requests = this.#window.sum(now, REQUESTS);
    if (requests < policy.failureRate.minRequests) return undefined;
    const failures = this.#window.sum(now, FAILURES);
    if (failures / requests < policy.failureRate.threshold) return undefined;
    const percent = Math.round((100 * failures) / requests);
    return {
      rule: 'failure_rate',
      reason: `${failures} of ${requests} answers failed (${percent}%) in ${policy.failureRate.windowMs / 1000}s; last: ${last}`,
    };
  }

  /** Answers and failures in the last window at `now` (epoch ms), for status pages; a detection does not clear them. */
  stats(now: number): WindowStats {
    const requests = this.#seen.sum(now, REQUESTS);
    const failures = this.#seen.sum(now, FAILURES);
    return { requests, failures, successRate: requests === 0 ? null : (requests - failures) / requests };
  }

  /** Current streaks, for status pages. */
  get streaks(): { targetFaults: number; transients: number } {
    return { targetFaults: this.#targetFaults, transients: this.#transients };
  }

  /** Starts probation: the next fault is a detection (passive-only re-admission). */
  startProbation(): void {
    this.#probation = true;
  }

  /** Forgets streaks, evidence and probation (not the counts stats() reports). */
  reset(): void {
    this.#targetFaults = 0;
    this.#transients = 0;
    this.#probation = false;
    this.#window.clear();
  }
}
