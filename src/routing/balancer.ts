import type { Random } from '../random.js';

/** One target the balancer may choose: its configured weight and its attempts now in flight. */
export interface Candidate {
  /** Relative share of traffic; ≤ 0 (or not finite) means "send nothing here". */
  weight: number;
  /** Attempts to this target now in flight (HealthTable.inFlight). */
  inFlight: number;
}

/**
 * Weighted power-of-two-choices: two weighted random picks, keep the one with fewer in-flight per
 * unit weight (ties keep the first). When in-flight counts are proportional to the weights (e.g. all
 * zero), every comparison ties and picks follow the weights exactly; a target that falls behind
 * (slow, stuck) draws fewer picks, because it loses most comparisons it enters.
 *
 * Returns the chosen index, or -1 when there is no candidate with a positive weight. Uses exactly
 * two random draws when it picks, allocates nothing, and runs in O(n).
 */
export function pickTarget(candidates: readonly Candidate[], random: Random): number {
  let total = 0;
  for (const candidate of candidates) total += usableWeight(candidate);
  if (total <= 0) return -1;
  const first = weightedIndex(candidates, total, random.next());
  const second = weightedIndex(candidates, total, random.next());
  if (first === second) return first;
  const a = candidates[first]!;
  const b = candidates[second]!;
  // a.inFlight / a.weight <= b.inFlight / b.weight, cross-multiplied to avoid dividing.
  return a.inFlight * b.weight <= b.inFlight * a.weight ? first : second;
}

function usableWeight(candidate: Candidate): number {
  return Number.isFinite(candidate.weight) && candidate.weight > 0 ? candidate.weight : 0;
}

/** The index whose cumulative weight first exceeds u × total (u in [0, 1)). */
function weightedIndex(candidates: readonly Candidate[], total: number, u: number): number {
  let point = u * total;
  let last = -1;
  for (let i = 0; i < candidates.length; i++) {
    const weight = usableWeight(candidates[i]!);
    if (weight === 0) continue;
    if (point < weight) return i;
    point -= weight;
    last = i;
  }
  return last; // floating-point leftovers at u ≈ 1 land on the last usable candidate
}
