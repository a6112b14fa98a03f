import type { Target } from './target.js';

/**
 * An operator's change to an alias's targets, applied on top of the config (the lifecycle layer derives these from
 * rollouts and drains): a target added to the alias, a fixed share of the alias's traffic for one target, or a
 * target taken off the alias. Shares are fractions of the alias's traffic in [0, 1], whatever the other weights are.
 */
export interface TargetOverlay {
  alias: string;
  upstream: string;
  model: string;
  /** Add the target when the config does not list it. */
  add?: boolean;
  /** Take the target off the alias (a rollout that failed removes the build it added). */
  remove?: boolean;
  /** This target's share of the alias's traffic; the other targets split the rest by their weights. */
  share?: number;
}

/**
 * Weights that give each target with a share exactly that share of the traffic, the others the rest in proportion
 * to their configured weights. A share of 1 (or shares summing past 1) leaves the others at weight 0: standby,
 * picked only when no target with a weight is available (routing/attempt-loop.ts). Pure; table-tested.
 */
export function sharedWeights(weights: readonly number[], shares: readonly (number | undefined)[]): number[] {
  let fixed = 0;
  let free = 0;
  for (let i = 0; i < weights.length; i++) {
    const share = shares[i];
    if (share === undefined) free += weights[i]!;
    else fixed += clamp(share);
  }
  if (!shares.some((x) => x !== undefined)) return [...weights];
  // only zero shares: those targets stand by, the others keep their weights
  if (fixed === 0) return weights.map((w, i) => (shares[i] === undefined ? w : 0));
  if (fixed >= 1 || free === 0) {
    // the shares take everything: they split it among themselves, the rest stand by
    return weights.map((_, i) => (shares[i] === undefined ? 0 : clamp(shares[i]!) / fixed));
  }
  // the free targets keep their weights and make up (1 - fixed) of the total
  const total = free / (1 - fixed);
  return weights.map((w, i) => (shares[i] === undefined ? w : clamp(shares[i]!) * total));
}

/** Applies the overlays of one alias to its configured targets: additions, removals, then shares. */
export function overlayTargets(
  targets: readonly Target[],
  overlays: readonly TargetOverlay[],
  make: (upstream: string, model: string) => Target,
): Target[] {
  if (overlays.length === 0) return [...targets];
  const same = (t: Pick<Target, 'upstream' | 'model'>, o: TargetOverlay) =>
    t.upstream === o.upstream && t.model === o.model;
  let out = targets.filter((t) => !overlays.some((o) => o.remove && same(t, o)));
  for (const o of overlays) {
    if (o.add && !o.remove && !out.some((t) => same(t, o))) out = [...out, make(o.upstream, o.model)];
  }
  const shares = out.map(
    (t) => overlays.find((o) => !o.remove && o.share !== undefined && same(t, o))?.share,
  );
  const weights = sharedWeights(
    out.map((t) => t.weight),
    shares,
  );
  return out.map((t, i) => (weights[i] === t.weight ? t : { ...t, weight: weights[i]! }));
}

function clamp(share: number): number {
  return Number.isFinite(share) ? Math.min(Math.max(share, 0), 1) : 0;
}
