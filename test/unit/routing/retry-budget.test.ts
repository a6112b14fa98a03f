import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import type { RetryBudgetOptions } from '../../../src/routing/retry-budget.js';
import { RetryBudget } from '../../../src/routing/retry-budget.js';
import { DEFAULT_RETRY_BUDGET } from '../../support/config.js';

function grantsInARow(budget: RetryBudget, max = 10_000): number {
  let granted = 0;
  while (granted < max && budget.tryRetry()) granted++;
  return granted;
}

describe('RetryBudget allowance = minRetriesPerSecond × window + percent% × requests', () => {
  it.each<[string, RetryBudgetOptions, number, number]>([
    ['no traffic: only the minimum (10/s × 10 s)', DEFAULT_RETRY_BUDGET, 0, 100],
    ['1000 requests: 100 + 20%', DEFAULT_RETRY_BUDGET, 1_000, 300],
    ['no minimum: 20% of 100 requests', { percent: 20, minRetriesPerSecond: 0, windowMs: 10_000 }, 100, 20],
    [
      'no minimum, 7 requests: 1.4 → 2 (retries < allowance)',
      { percent: 20, minRetriesPerSecond: 0, windowMs: 10_000 },
      7,
      2,
    ],
    ['percent 0, no minimum: never', { percent: 0, minRetriesPerSecond: 0, windowMs: 10_000 }, 1_000, 0],
  ])('%s', (_name, opts, requests, expected) => {
    const budget = new RetryBudget(opts, new ManualClock());
    for (let i = 0; i < requests; i++) budget.recordRequest();
    expect(budget.available()).toBe(
      Math.floor(opts.minRetriesPerSecond * (opts.windowMs / 1000) + (opts.percent / 100) * requests),
    );
    expect(grantsInARow(budget)).toBe(expected);
    expect(budget.available()).toBe(0);
  });
});

describe('RetryBudget under a total outage', () => {
  it('keeps retries near percent% of requests plus the minimum, not maxAttempts× the load', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(DEFAULT_RETRY_BUDGET, clock);
    let requests = 0;
    let retries = 0;
    // 60 s at 100 requests/s; every attempt fails and each request would retry twice.
    for (let ms = 0; ms < 60_000; ms += 10) {
      budget.recordRequest();
      requests++;
      for (let r = 0; r < 2 && budget.tryRetry(); r++) retries++;
      clock.advance(10);
    }
    const bound = 0.2 * requests + 10 * 60; // percent × requests + minRetriesPerSecond × seconds
    expect(retries).toBeLessThanOrEqual(bound * 1.05); // slack: the window slides in 1 s buckets
    expect(retries).toBeGreaterThan(bound * 0.8); // and the budget is actually spent
    expect(retries / requests).toBeLessThan(0.35); // vs 2.0 without a budget
  });

  it('recovers once the window has passed', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(DEFAULT_RETRY_BUDGET, clock);
    expect(grantsInARow(budget)).toBe(100);
    expect(budget.tryRetry()).toBe(false);
    clock.advance(5_000);
    expect(budget.tryRetry()).toBe(false);
    clock.advance(5_000);
    expect(grantsInARow(budget)).toBe(100);
  });

  it('requests older than the window stop paying for retries', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 50, minRetriesPerSecond: 0, windowMs: 10_000 }, clock);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    clock.advance(10_000);
    expect(budget.tryRetry()).toBe(false);
  });
});
