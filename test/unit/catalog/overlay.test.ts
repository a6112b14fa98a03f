import { describe, expect, it } from 'vitest';
import { overlayTargets, sharedWeights } from '../../../src/catalog/overlay.js';
import { type Target, targetId } from '../../../src/catalog/target.js';

/** Shares of an alias's traffic as weights (src/catalog/overlay.ts): what a rollout step or a drain gives a build. */

const share = (weights: number[], i: number) => weights[i]! / weights.reduce((a, b) => a + b, 0);

describe('sharedWeights', () => {
  it.each([
    // weights, shares, the share each target ends with
    [
      [1, 1],
      [undefined, undefined],
      [0.5, 0.5],
    ],
    [
      [32, 68],
      [0.1, undefined],
      [0.1, 0.9],
    ],
    [
      [32, 68, 1],
      [undefined, undefined, 0.1],
      [0.288, 0.612, 0.1],
    ],
    [
      [1, 1],
      [undefined, 0.5],
      [0.5, 0.5],
    ],
    [
      [3, 1],
      [undefined, 0],
      [1, 0],
    ],
    [
      [1, 5],
      [0.25, 0.25],
      [0.25, 0.25],
    ], // two fixed; no free target left: see the next rows
  ] as [number[], (number | undefined)[], number[]][])('%j with shares %j', (weights, shares, expected) => {
    const out = sharedWeights(weights, shares);
    if (shares.some((s) => s === undefined)) {
      for (const [i, e] of expected.entries()) expect(share(out, i)).toBeCloseTo(e, 3);
    } else {
      for (const [i, e] of expected.entries()) expect(out[i]).toBeCloseTo(e / 0.5, 3);
    }
  });

  it('a share of 1 leaves the others on standby (weight 0)', () => {
    expect(sharedWeights([32, 68, 1], [undefined, undefined, 1])).toEqual([0, 0, 1]);
  });

  it('shares past 1 are split among themselves', () => {
    expect(sharedWeights([1, 1, 1], [0.8, 0.8, undefined])).toEqual([0.5, 0.5, 0]);
  });

  it('clamps nonsense shares into [0, 1]', () => {
    expect(sharedWeights([1, 1], [Number.NaN, undefined])).toEqual([1, 1].map((w, i) => (i === 0 ? 0 : w)));
  });
});

describe('overlayTargets', () => {
  const make = (upstream: string, model: string): Target => ({
    id: targetId('a', upstream, model),
    alias: 'a',
    upstream,
    model,
    weight: 1,
  });
  const targets = [
    { ...make('u', 'old'), weight: 3 },
    { ...make('u', 'other'), weight: 1 },
  ];

  it('adds a build, gives it its share, and leaves the others their proportions', () => {
    const out = overlayTargets(
      targets,
      [{ alias: 'a', upstream: 'u', model: 'new', add: true, share: 0.2 }],
      make,
    );
    expect(out.map((t) => t.model)).toEqual(['old', 'other', 'new']);
    expect(
      share(
        out.map((t) => t.weight),
        2,
      ),
    ).toBeCloseTo(0.2);
    expect(
      share(
        out.map((t) => t.weight),
        0,
      ),
    ).toBeCloseTo(0.6);
  });

  it('takes a removed build off, and does not add what is removed', () => {
    const out = overlayTargets(targets, [{ alias: 'a', upstream: 'u', model: 'old', remove: true }], make);
    expect(out.map((t) => t.model)).toEqual(['other']);
    expect(
      overlayTargets(targets, [{ alias: 'a', upstream: 'u', model: 'x', add: true, remove: true }], make),
    ).toHaveLength(2);
  });

  it('changes nothing without overlays, and keeps the same objects where the weight is unchanged', () => {
    expect(overlayTargets(targets, [], make)).toEqual(targets);
    const out = overlayTargets(targets, [{ alias: 'a', upstream: 'u', model: 'other', share: 0.25 }], make);
    expect(out[0]).toBe(targets[0]);
  });
});
