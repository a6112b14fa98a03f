import { describe, expect, it } from 'vitest';
import type { Random } from '../../../src/random.js';
import { seededRandom } from '../../../src/random.js';
import type { Candidate } from '../../../src/routing/balancer.js';
import { pickTarget } from '../../../src/routing/balancer.js';

function shares(candidates: Candidate[], draws: number, seed = 7): number[] {
  const random = seededRandom(seed);
  const counts = candidates.map(() => 0);
  for (let i = 0; i < draws; i++) {
    const index = pickTarget(candidates, random);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/** Pearson's chi-square statistic of observed counts against expected shares. */
function chiSquare(counts: number[], expectedShares: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((sum, observed, i) => {
    const expected = total * (expectedShares[i] ?? 0);
    return sum + (observed - expected) ** 2 / expected;
  }, 0);
}

describe('pickTarget: picks follow the weights when load is even', () => {
  // Critical chi-square values at p = 0.001: df 1 → 10.8, df 2 → 13.8, df 3 → 16.3.
  it.each([
    ['1:1', [1, 1], [0, 0], 10.8],
    ['1:2:7, nothing in flight', [1, 2, 7], [0, 0, 0], 13.8],
    ['1:2:7, in flight proportional to weight', [1, 2, 7], [3, 6, 21], 13.8],
    ['5:3:1:1', [5, 3, 1, 1], [0, 0, 0, 0], 16.3],
  ])('%s', (_name, weights, inFlight, critical) => {
    const candidates = weights.map((weight, i) => ({ weight, inFlight: inFlight[i] ?? 0 }));
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = shares(candidates, 20_000);
    expect(
      chiSquare(
        counts,
        weights.map((w) => w / total),
      ),
    ).toBeLessThan(critical);
  });
});

describe('pickTarget: load shifts picks', () => {
  it('a busy target wins only when both picks land on it (≈ 1/9 of the time for 3 equal targets)', () => {
    const counts = shares(
      [
        { weight: 1, inFlight: 10 },
        { weight: 1, inFlight: 0 },
        { weight: 1, inFlight: 0 },
      ],
      20_000,
    );
    expect(counts[0]! / 20_000).toBeGreaterThan(0.09);
    expect(counts[0]! / 20_000).toBeLessThan(0.13);
  });

  it('in-flight is judged per unit weight: 4 in flight on weight 4 beats 2 on weight 1', () => {
    const counts = shares(
      [
        { weight: 4, inFlight: 4 },
        { weight: 1, inFlight: 2 },
      ],
      10_000,
    );
    // The light one wins only when both picks land on it: (1/5)² = 4%.
    expect(counts[1]! / 10_000).toBeLessThan(0.06);
  });
});

describe('pickTarget: edge cases', () => {
  const random = seededRandom(1);
  it.each<[string, Candidate[], number[]]>([
    ['empty', [], [-1]],
    ['one candidate', [{ weight: 3, inFlight: 99 }], [0]],
    [
      'all weights zero',
      [
        { weight: 0, inFlight: 0 },
        { weight: 0, inFlight: 0 },
      ],
      [-1],
    ],
    [
      'zero, negative and NaN weights are never chosen',
      [
        { weight: 0, inFlight: 0 },
        { weight: -1, inFlight: 0 },
        { weight: Number.NaN, inFlight: 0 },
        { weight: 1, inFlight: 50 },
      ],
      [3],
    ],
  ])('%s', (_name, candidates, allowed) => {
    for (let i = 0; i < 200; i++) expect(allowed).toContain(pickTarget(candidates, random));
  });

  it('lands on the last usable candidate when u is just below 1', () => {
    const almostOne: Random = { next: () => 0.9999999999999999 };
    expect(
      pickTarget(
        [
          { weight: 0.1, inFlight: 0 },
          { weight: 0.2, inFlight: 0 },
          { weight: 0, inFlight: 0 },
        ],
        almostOne,
      ),
    ).toBe(1);
  });

  it('uses exactly two draws', () => {
    let draws = 0;
    const counting: Random = { next: () => (draws++ * 0.37) % 1 };
    pickTarget(
      [
        { weight: 1, inFlight: 0 },
        { weight: 1, inFlight: 0 },
        { weight: 1, inFlight: 0 },
      ],
      counting,
    );
    expect(draws).toBe(2);
  });
});
