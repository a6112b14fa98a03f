import { describe, expect, it } from 'vitest';
import { compareModels } from '../../../src/probe/compare.js';
import type { CallOutcome } from '../../../src/probe/outcome.js';
import { summarize } from '../../../src/probe/summary.js';
import { DEAD_404, fails, oks } from './results.js';

function summaries(runs: Record<string, CallOutcome[]>) {
  return Object.entries(runs).map(([model, outcomes]) =>
    summarize({ model, outcomes }, { ok: true, models: Object.keys(runs) }),
  );
}

describe('compareModels', () => {
  it('compares the failing model with its best sibling by z-test when counts are large', () => {
    const [c, ...rest] = compareModels(
      summaries({
        alias: [...fails(136, DEAD_404), ...oks(64)],
        flaky: [...fails(3, DEAD_404), ...oks(197)],
        good: oks(200),
      }),
    );
    expect(rest.map((r) => [r.model, r.against])).toEqual([['flaky', 'good']]);
    expect(c).toMatchObject({
      model: 'alias',
      against: 'good',
      failed: 136,
      calls: 200,
      againstFailed: 0,
      test: 'z',
    });
    expect(c!.z).toBeCloseTo(14.35481125130547, 9);
    expect(c!.p).toBe(c!.zP);
    expect(c!.significant).toBe(true);
  });

  it("quotes Fisher's exact p when an expected count is below 5", () => {
    // expected failures for the sibling: 4 × 4/8 = 2 < 5
    const [c] = compareModels(
      summaries({ a: [...fails(3, DEAD_404), ...oks(1)], b: [...fails(1, DEAD_404), ...oks(3)] }),
    );
    expect(c!.test).toBe('fisher');
    expect(c!.p).toBeCloseTo(0.48571428571428565, 9);
    expect(c!.significant).toBe(false);
  });

  it('needs two models, and never compares a model with a sibling that fails as often', () => {
    expect(compareModels(summaries({ alone: fails(5, DEAD_404) }))).toEqual([]);
    expect(compareModels(summaries({ a: oks(5), b: oks(5) }))).toEqual([]);
    expect(
      compareModels(
        summaries({ a: [...fails(2, DEAD_404), ...oks(2)], b: [...fails(2, DEAD_404), ...oks(2)] }),
      ),
    ).toEqual([]);
  });
});
