import type { Random } from '../random.js';
import type { Latency } from './scenario.js';

/** z for the 99th percentile of the standard normal: p99 = p50 · e^(σ·Z99). */
const Z99 = 2.326347874;

/**
 * One delay in ms. `{ms}` is fixed; `{p50Ms, p99Ms}` is lognormal with median p50Ms and
 * σ = ln(p99/p50)/Z99, the usual shape of service latency (long right tail, never negative).
 */
export function sampleLatencyMs(latency: Latency | undefined, random: Random): number {
  if (!latency) return 0;
  if (latency.ms !== undefined) return latency.ms;
  const p50 = latency.p50Ms!;
  const sigma = Math.log(latency.p99Ms! / p50) / Z99;
  if (sigma === 0) return p50;
  return p50 * Math.exp(sigma * standardNormal(random));
}

/** Box–Muller; 1 - u keeps log() away from 0. */
function standardNormal(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
