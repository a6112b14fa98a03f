import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../src/health/sliding-window.js';

describe('SlidingWindow (10 buckets of 1 s over 10 s)', () => {
  const start = 1_700_000_000_000;

  it.each([
    ['same instant', 0, 1],
    ['9 s later (still inside)', 9_000, 1],
    ['10 s later (its bucket has left)', 10_000, 0],
    ['an hour later', 3_600_000, 0],
  ])('one count, read %s', (_name, later, expected) => {
    const window = new SlidingWindow(10_000, 1);
    window.add(start, 0);
    expect(window.sum(start + later, 0)).toBe(expected);
  });

  it('keeps series apart and sums across buckets', () => {
    const window = new SlidingWindow(10_000, 2);
    for (let i = 0; i < 10; i++) {
      window.add(start + i * 1_000, 0);
      if (i % 2 === 0) window.add(start + i * 1_000, 1, 3);
    }
    expect(window.sum(start + 9_000, 0)).toBe(10);
    expect(window.sum(start + 9_000, 1)).toBe(15);
    expect(window.sum(start + 10_000, 0)).toBe(9); // the first bucket slid out
  });

  it('reuses a slot for a new bucket without keeping old counts', () => {
    const window = new SlidingWindow(10_000, 1);
    window.add(start, 0, 5);
    window.add(start + 10_000, 0, 1); // same slot, ten buckets on
    expect(window.sum(start + 10_000, 0)).toBe(1);
  });

  it('clear forgets everything', () => {
    const window = new SlidingWindow(10_000, 1);
    window.add(start, 0, 5);
    window.clear();
    expect(window.sum(start, 0)).toBe(0);
  });
});
