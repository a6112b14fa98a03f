import { fisherExact, MIN_EXPECTED_COUNT, smallestExpectedCount, twoProportionZTest } from './stats.js';
import type { ModelSummary } from './summary.js';

/** A failing model's failure rate against its best sibling's, with the evidence that they differ. */
export interface Comparison {
  model: string;
  /** The sibling with the lowest failure rate (most calls on a tie). */
  against: string;
  failed: number;
  calls: number;
  againstFailed: number;
  againstCalls: number;
  /** Two-proportion z statistic (pooled) and its two-sided p-value. */
  z: number;
  zP: number;
  /** Two-sided p-value of Fisher's exact test on the same 2×2 table. */
  fisherP: number;
  /** Which p-value is quoted: Fisher's when any expected cell count is below 5 (Cochran's rule). */
  test: 'z' | 'fisher';
  p: number;
  /** p below `alpha` (default 0.05). */
  significant: boolean;
}

/**
 * Compares every model that fails more often than its best sibling with that sibling. Needs at
 * least two models with calls; a model is never compared with a sibling that fails as often.
 */
export function compareModels(summaries: readonly ModelSummary[], alpha = 0.05): Comparison[] {
  const measured = summaries.filter((s) => s.calls > 0);
  const comparisons: Comparison[] = [];
  for (const summary of measured) {
    const sibling = bestSibling(summary, measured);
    if (!sibling || sibling.failureRate >= summary.failureRate) continue;
    comparisons.push(compare(summary, sibling, alpha));
  }
  return comparisons;
}

function bestSibling(summary: ModelSummary, all: readonly ModelSummary[]): ModelSummary | undefined {
  let best: ModelSummary | undefined;
  for (const other of all) {
    if (other === summary) continue;
    if (
      !best ||
      other.failureRate < best.failureRate ||
      (other.failureRate === best.failureRate && other.calls > best.calls)
    ) {
      best = other;
    }
  }
  return best;
}

function compare(a: ModelSummary, b: ModelSummary, alpha: number): Comparison {
  const { z, p: zP } = twoProportionZTest(a.failed, a.calls, b.failed, b.calls);
  const fisherP = fisherExact(a.failed, a.ok, b.failed, b.ok);
  const smallest = smallestExpectedCount(a.failed, a.calls, b.failed, b.calls);
  const test = smallest < MIN_EXPECTED_COUNT ? 'fisher' : 'z';
  const p = test === 'fisher' ? fisherP : zP;
  return {
    model: a.model,
    against: b.model,
    failed: a.failed,
    calls: a.calls,
    againstFailed: b.failed,
    againstCalls: b.calls,
    z,
    zP,
    fisherP,
    test,
    p,
    significant: p < alpha,
  };
}

/** `two-proportion z-test, z = 14.35` or `Fisher's exact test`: which test gave the quoted p. */
export function testName(c: Comparison): string {
  return c.test === 'z' ? `two-proportion z-test, z = ${c.z.toFixed(2)}` : "Fisher's exact test";
}
