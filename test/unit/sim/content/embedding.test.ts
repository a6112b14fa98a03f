import { describe, expect, it } from 'vitest';
import { embedText } from '../../../../src/sim/content/embedding.js';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('embedText', () => {
  it('is a deterministic unit vector of the asked length', () => {
    const v = embedText('the quick brown fox', 768);
    expect(v).toHaveLength(768);
    expect(embedText('the quick brown fox', 768)).toEqual(v);
    expect(cosine(v, v)).toBeCloseTo(1, 3);
    expect(embedText('x', 8)).toHaveLength(8);
  });

  it('puts texts that share words closer than unrelated texts', () => {
    const a = embedText('the gateway routes requests to healthy builds', 256);
    const b = embedText('the gateway routes traffic to builds', 256);
    const c = embedText('penguins enjoy cold water', 256);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + 0.3);
  });
});
