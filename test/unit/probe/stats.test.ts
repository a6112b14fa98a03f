import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  erfc,
  fisherExact,
  fisherExactGreater,
  normalUpperTail,
  percentile,
  smallestExpectedCount,
  twoProportionZTest,
  wilson,
} from '../../../src/probe/stats.js';

// Reference values: SciPy 1.17 (binomtest(...).proportion_ci(method='wilson'), fisher_exact,
// norm.sf) and the published examples named beside each case.
describe('wilson', () => {
  it.each([
    // the incident: 17 of 25 failed
    [17, 25, 0.48410269273102247, 0.8279480969309202],
    // the incident's siblings: 0 of 12 failed
    [0, 12, 0, 0.24249400665524085],
    [136, 200, 0.6124810156588646, 0.7407346668453195],
    [12, 12, 0.7575059933447592, 1],
  ])('%i of %i → [%f, %f]', (x, n, lower, upper) => {
    const interval = wilson(x, n);
    expect(interval.lower).toBeCloseTo(lower, 10);
    expect(interval.upper).toBeCloseTo(upper, 10);
  });

  it('says nothing is known with no calls', () => {
    expect(wilson(0, 0)).toEqual({ lower: 0, upper: 1 });
  });

  it('narrows with a smaller z', () => {
    const wide = wilson(5, 10);
    const narrow = wilson(5, 10, 1);
    expect(narrow.upper - narrow.lower).toBeLessThan(wide.upper - wide.lower);
  });
});

describe('twoProportionZTest', () => {
  it.each([
    // textbook: 30/100 vs 20/100, z = 1.633, p = 0.1025 (R prop.test(correct=FALSE): X² = 2.6667)
    [30, 100, 20, 100, 1.6329931618554518, 0.10247043485974941],
    // the incident: 17/25 vs 0/12
    [17, 25, 0, 12, 3.8853571264428197, 1.021795711887037e-4],
    // the acceptance run: 136/200 vs 0/200
    [136, 200, 0, 200, 14.35481125130547, 9.93957632586096e-47],
  ])('%i/%i vs %i/%i → z %f, p %f', (x1, n1, x2, n2, z, p) => {
    const result = twoProportionZTest(x1, n1, x2, n2);
    expect(result.z).toBeCloseTo(z, 9);
    expect(result.p / p).toBeCloseTo(1, 5);
  });

  it('is symmetric in sign', () => {
    expect(twoProportionZTest(20, 100, 30, 100).z).toBeCloseTo(-1.6329931618554518, 9);
  });

  it('gives p = 1 when nothing differs, even at 0/n vs 0/n', () => {
    expect(twoProportionZTest(0, 10, 0, 20)).toEqual({ z: 0, p: 1 });
    expect(twoProportionZTest(5, 10, 5, 10).p).toBeCloseTo(1, 6);
  });
});

describe('fisherExact (two-sided)', () => {
  it.each([
    // Fisher's lady tasting tea: p = 0.4857
    [3, 1, 1, 3, 0.48571428571428565],
    // Wikipedia's dieting example: p = 0.002759
    [1, 9, 11, 3, 0.0027594561852200836],
    // the incident's 17 failed / 8 ok vs 0 / 12
    [17, 8, 0, 12, 7.134100571252963e-5],
    [136, 64, 0, 200, 3.530287031091197e-57],
  ])('[[%i, %i], [%i, %i]] → %f', (a, b, c, d, p) => {
    expect(fisherExact(a, b, c, d) / p).toBeCloseTo(1, 6);
  });

  it('is 1 for a table that matches its margins exactly', () => {
    expect(fisherExact(5, 5, 5, 5)).toBeCloseTo(1, 9);
  });
});

describe('fisherExactGreater (one-sided: the first row fails more often)', () => {
  it.each([
    // the lady tasting tea, one-sided: 17/70 (Fisher's own figure)
    [3, 1, 1, 3, 0.24285714285714283],
    // the dieting example the other way round: the first row fails *less*, so p is near 1
    [1, 9, 11, 3, 0.9999663480953022],
    [17, 8, 0, 12, 6.800062417415031e-5],
    // a new build at 11% beside a baseline at 1%
    [11, 89, 9, 891, 4.619471810698881e-7],
    // a dead build's first 3 requests beside 27 clean baseline requests
    [3, 0, 0, 27, 2.463054187192118e-4],
  ])('[[%i, %i], [%i, %i]] → %f', (a, b, c, d, p) => {
    expect(fisherExactGreater(a, b, c, d) / p).toBeCloseTo(1, 6);
  });

  it('is 1 when the first row has no failures', () => {
    expect(fisherExactGreater(0, 10, 5, 5)).toBeCloseTo(1, 12);
  });

  it('is at most the two-sided p when the first row is the worse one', () => {
    expect(fisherExactGreater(17, 8, 0, 12)).toBeLessThan(fisherExact(17, 8, 0, 12));
  });
});

describe('binomialUpperTail', () => {
  it.each([
    // SciPy binom.sf(k - 1, n, p)
    [2, 3, 0.05, 0.007250000000000001],
    [5, 5, 0.05, 3.125000000000001e-7],
    [10, 100, 0.05, 0.02818829416341614],
    [1, 1, 0.5, 0.5],
    // the incident's 17 of 25 against a 10% limit
    [17, 25, 0.1, 4.8954770636221044e-12],
  ])('P(X ≥ %i) of Binomial(%i, %f) = %f', (k, n, p, expected) => {
    expect(binomialUpperTail(k, n, p) / expected).toBeCloseTo(1, 9);
  });

  it('is certain for k = 0 and impossible beyond n or at p = 0', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
  });
});

describe('normalUpperTail', () => {
  it.each([
    // SciPy norm.sf
    [0, 0.5],
    [1.6448536269514722, 0.05],
    [2.3263478740408408, 0.01],
    [3.090232306167813, 0.001],
    [-1, 0.8413447460685429],
    [5, 2.866515718791933e-7],
  ])('P(Z ≥ %f) = %f', (z, p) => {
    expect(normalUpperTail(z) / p).toBeCloseTo(1, 6);
  });
});

describe('smallestExpectedCount (Cochran)', () => {
  it.each([
    // 4 × 4 / 8: the probe's example that falls back to Fisher
    [3, 4, 1, 4, 2],
    // 200 × 136 / 400
    [136, 200, 0, 200, 68],
    // more failures than successes: the ok column is the smaller one
    [9, 10, 8, 10, 1.5],
    [0, 10, 0, 20, 0],
    [0, 0, 0, 0, 0],
  ])('%i/%i vs %i/%i → %f', (x1, n1, x2, n2, expected) => {
    expect(smallestExpectedCount(x1, n1, x2, n2)).toBeCloseTo(expected, 12);
  });
});

describe('percentile (linear, type 7)', () => {
  it('interpolates between ranks like NumPy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
  });

  it('has no value for no samples', () => {
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('erfc', () => {
  it('matches known values to the fit accuracy', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1) / 0.15729920705028513).toBeCloseTo(1, 6);
    expect(erfc(-1) / 1.8427007929497148).toBeCloseTo(1, 6);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 5);
  });
});
