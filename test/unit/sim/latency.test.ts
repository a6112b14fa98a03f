import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/random.js';
import { sampleLatencyMs } from '../../../src/sim/latency.js';

describe('sampleLatencyMs', () => {
  it('no latency is 0 and a fixed one is exact', () => {
    expect(sampleLatencyMs(undefined, seededRandom(1))).toBe(0);
    expect(sampleLatencyMs({ ms: 120 }, seededRandom(1))).toBe(120);
  });

  it('a lognormal lands its median at p50 and 1% above p99', () => {
    const random = seededRandom(42);
    const samples = Array.from({ length: 20_000 }, () => sampleLatencyMs({ p50Ms: 100, p99Ms: 900 }, random));
    samples.sort((a, b) => a - b);
    expect(samples[10_000]!).toBeGreaterThan(93);
    expect(samples[10_000]!).toBeLessThan(107);
    expect(samples[19_800]!).toBeGreaterThan(780);
    expect(samples[19_800]!).toBeLessThan(1040);
    expect(samples[0]!).toBeGreaterThan(0);
  });
});
