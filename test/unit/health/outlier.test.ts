import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/classify/verdict.js';
import { OutlierDetector } from '../../../src/health/outlier.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

const T0 = 1_700_000_000_000;
const ok: Verdict = { kind: 'ok' };
const client: Verdict = { kind: 'client_error', reason: '400 INVALID_ARGUMENT' };
const fault: Verdict = {
  kind: 'target_fault',
  reason: '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
};
const transient: Verdict = { kind: 'transient', reason: '503 UNAVAILABLE', origin: 'external' };
const overloaded: Verdict = { kind: 'overloaded', reason: '429 RESOURCE_EXHAUSTED', retryAfterMs: 1000 };

const SYMBOL: Record<string, Verdict> = { o: ok, c: client, F: fault, T: transient, L: overloaded };

/** Feeds a sequence (one verdict per 10 ms); returns the first detection and its index, if any. */
function feed(sequence: string, detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY)) {
  for (let i = 0; i < sequence.length; i++) {
    const detection = detector.record(SYMBOL[sequence[i]!]!, T0 + 10 * i);
    if (detection) return { at: i, ...detection };
  }
  return undefined;
}

describe('OutlierDetector streaks (F target fault, T transient, o ok, c client_error, L 429)', () => {
  it.each([
    ['FFF', 2, 'consecutive_target_faults'],
    ['FFoFFF', 5, 'consecutive_target_faults'],
    ['FFcFFF', 5, 'consecutive_target_faults'], // a client error means the target answered
    ['FFLF', 3, 'consecutive_target_faults'], // a 429 is no fault and ends no streak
    ['FTF', undefined, undefined], // each streak has its own threshold
    ['FTFTF', 4, 'consecutive_target_faults'], // only an answer ends a streak; a transient does not
    ['TTTTT', 4, 'consecutive_transient'],
    ['TTTToTTTTT', 9, 'consecutive_transient'],
    ['TTLTTT', 5, 'consecutive_transient'],
    ['LLLLLLLLLL', undefined, undefined],
    ['FFoFFoFFo', undefined, undefined],
  ])('%s → detection at %s (%s)', (sequence, at, rule) => {
    const detection = feed(sequence);
    expect(detection?.at).toBe(at);
    if (rule !== undefined) expect(detection?.rule).toBe(rule);
  });

  it('the reason names the rule and the last upstream message', () => {
    expect(feed('FFF')?.reason).toBe(
      '3 target faults in a row; last: 404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
    );
  });
});

describe('OutlierDetector failure rate (≥ 50% of ≥ 20 answers in 30 s)', () => {
  /** n answers spread over `spanMs`, failing where fails(i); failures alternate kinds in pairs to keep streaks short. */
  function run(n: number, fails: (i: number) => boolean, spanMs = 10_000) {
    const detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY);
    for (let i = 0; i < n; i++) {
      const verdict = fails(i) ? (i % 4 < 2 ? fault : transient) : ok;
      const detection = detector.record(verdict, T0 + Math.floor((i * spanMs) / n));
      if (detection) return { at: i, detection, detector };
    }
    return { at: undefined, detection: undefined, detector };
  }

  it.each([
    // The incident: 17 of 25 fail. Alternating fault kinds keep both streaks short.
    ['68% failing (the incident)', 40, (i: number) => i % 3 !== 2, 'failure_rate'],
    ['exactly half failing', 40, (i: number) => i % 2 === 0, 'failure_rate'],
    ['a third failing', 60, (i: number) => i % 3 === 0, undefined],
    ['all fine', 60, () => false, undefined],
  ])('%s → %s', (_name, n, fails, rule) => {
    const { detection } = run(n, fails);
    expect(detection?.rule).toBe(rule);
  });

  it('needs minRequests answers before judging the rate', () => {
    const { at } = run(40, (i) => i % 2 === 0);
    expect(at).toBeGreaterThanOrEqual(19);
  });

  it('forgets answers older than the window', () => {
    const detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY);
    // 19 answers, 10 failed, then 40 s of silence: the old answers no longer count.
    for (let i = 0; i < 19; i++)
      detector.record(i % 2 === 0 ? (i % 4 === 0 ? fault : transient) : ok, T0 + i);
    expect(detector.stats(T0 + 100)).toEqual({ requests: 19, failures: 10, successRate: 9 / 19 });
    expect(detector.record(fault, T0 + 40_000)).toBeUndefined();
    expect(detector.stats(T0 + 40_000)).toEqual({ requests: 1, failures: 1, successRate: 0 });
  });

  it('429s are not counted in the window; client errors count as answered', () => {
    const detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY);
    detector.record(overloaded, T0);
    detector.record(client, T0);
    expect(detector.stats(T0)).toEqual({ requests: 1, failures: 0, successRate: 1 });
    expect(new OutlierDetector(DEFAULT_OUTLIER_POLICY).stats(T0).successRate).toBeNull();
  });
});

describe('OutlierDetector probation and reset', () => {
  it.each([
    ['F', 0, 'probation'],
    ['T', 0, 'probation'],
    ['LF', 1, 'probation'], // a 429 does not end probation
    ['oFF', undefined, undefined], // one success ends probation
    ['cFF', undefined, undefined],
  ])('on probation, %s → %s', (sequence, at, rule) => {
    const detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY);
    detector.startProbation();
    const detection = feed(sequence, detector);
    expect(detection?.at).toBe(at);
    expect(detection?.rule).toBe(rule);
  });

  it('reset forgets streaks, evidence and probation, but not the counts status pages show', () => {
    const detector = new OutlierDetector(DEFAULT_OUTLIER_POLICY);
    detector.startProbation();
    detector.record(ok, T0);
    detector.record(fault, T0);
    detector.record(fault, T0);
    detector.reset();
    expect(detector.streaks).toEqual({ targetFaults: 0, transients: 0 });
    expect(detector.stats(T0)).toEqual({ requests: 3, failures: 2, successRate: 1 / 3 });
    expect(detector.record(fault, T0)).toBeUndefined();
  });
});
