/**
 * A target's one identity: `${alias}/${upstream}/${model}`. Health state, operator pulls, the store, status pages,
 * metrics and logs all key on it; response headers show its parts (`x-aliasgate-alias` and
 * `x-aliasgate-target: upstream/model`). Alias, upstream and model ids cannot contain `/` (config/scalars.ts), so the
 * id parses back unambiguously.
 */
export type TargetId = string & { readonly __targetId: unique symbol };

/** One place a request for an alias can go: an upstream plus the model to call there (docs/design.md §2). */
export interface Target {
  id: TargetId;
  alias: string;
  upstream: string;
  model: string;
  /**
   * Relative share of traffic among the alias's healthy targets: > 0 as configured; 0 when a rollout or a drain has
   * given the alias's whole traffic to other targets (standby: used only when none of those is available).
   */
  weight: number;
}

export function targetId(alias: string, upstream: string, model: string): TargetId {
  return `${alias}/${upstream}/${model}` as TargetId;
}

/** The parts of an id; undefined when it is not one. */
export function parseTargetId(id: string): { alias: string; upstream: string; model: string } | undefined {
  const parts = id.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { alias: parts[0]!, upstream: parts[1]!, model: parts[2]! };
}

/** How a response header and a log line name a target within its alias: `upstream/model`. */
export function targetLabel(target: Pick<Target, 'upstream' | 'model'>): string {
  return `${target.upstream}/${target.model}`;
}
