import { describe, expect, it } from 'vitest';

/**
 * The page's wording (web/format.js, plain browser JavaScript without type declarations, hence loaded by
 * URL and typed here by what the tests use).
 */
interface Format {
  percent(rate: number | null): string;
  millis(ms: number | null): string;
  perSecond(rps: number): string;
  relative(at: number, now: number): string;
  ordinal(n: number): string;
  daysUntil(isoDate: string, now: number): number;
  failed(arm: { requests: number; failures: number }): string;
  weight(w: number): string;
  share(s: number): string;
}

const format = (await import(new URL('../../../web/format.js', import.meta.url).href)) as Format;
const NOW = Date.parse('2026-11-24T14:05:00Z');

describe('web/format.js', () => {
  it.each([
    [1, '100%'],
    [0.99996, '99.9%'],
    [0.5, '50.0%'],
    [0.0004, '0.0%'],
    [0, '0%'],
    [null, '—'],
  ])('a success rate of %s reads %s: any failure keeps it under 100%%', (rate, text) => {
    expect(format.percent(rate)).toBe(text);
  });

  it.each([
    [0.4, '<1 ms'],
    [412.6, '413 ms'],
    [1_349, '1.35 s'],
    [12_345, '12.3 s'],
    [null, '—'],
  ])('%s ms reads %s', (ms, text) => {
    expect(format.millis(ms)).toBe(text);
  });

  it.each([
    [0, '0'],
    [0.01, '<0.1'],
    [5.68, '5.7'],
    [1234.4, '1,234'],
  ])('%s req/s reads %s', (rps, text) => {
    expect(format.perSecond(rps)).toBe(text);
  });

  it.each([
    [NOW - 1_000, 'just now'],
    [NOW - 42_000, '42s ago'],
    [NOW - 298_000, '4m ago'],
    [NOW - 3 * 3_600_000 - 60_000, '3h 1m ago'],
    [NOW - 3 * 86_400_000, '3d ago'],
    [NOW + 5_000, 'in 5s'],
  ])('%s relative to now reads %s', (at, text) => {
    expect(format.relative(at, NOW)).toBe(text);
  });

  it('counts ejections in words and days to a shutdown', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(format.ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
    ]);
    expect(format.daysUntil('2026-12-31', NOW)).toBe(37);
  });

  it.each([
    [{ requests: 0, failures: 0 }, 'no requests yet'],
    [{ requests: 120, failures: 0 }, '0/120 failed (0%)'],
    [{ requests: 1200, failures: 3 }, '3/1,200 failed (0.3%)'],
    [{ requests: 10_000, failures: 1 }, '1/10,000 failed (0.1%)'],
  ])('a rollout arm of %o reads "%s": any failure shows, never as 0%%', (arm, text) => {
    expect(format.failed(arm)).toBe(text);
  });

  it.each([
    [32, '32'],
    [11.111111111111112, '11.1'],
    [0, '0'],
  ])('a weight in force of %s reads %s', (w, text) => {
    expect(format.weight(w)).toBe(text);
  });

  it.each([
    [0.1, '10%'],
    [0.125, '12.5%'],
    [1, '100%'],
  ])('a step share of %s reads %s', (s, text) => {
    expect(format.share(s)).toBe(text);
  });
});
