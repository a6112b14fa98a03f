import type { Catalog } from '../catalog/catalog.js';
import type { TargetOverlay } from '../catalog/overlay.js';
import type { Drain, Retirement } from '../rollout/drain.js';
import { drainShare } from '../rollout/drain.js';
import { candidateShare, type Rollout } from '../rollout/plan.js';
import type { Pull } from '../store/operator-store.js';

/**
 * What rollouts and drains do to the aliases' targets now (catalog/overlay.ts): a rollout adds its build and gives it
 * its step's share (a succeeded one keeps its last share; a failed one takes a build it added off again); a drain
 * gives its build a share falling to 0. Pure: state and time in, overlays out.
 */
export function lifecycleOverlays(
  state: { rollouts: readonly Rollout[]; drains: readonly Drain[] },
  now: number,
): TargetOverlay[] {
  const out: TargetOverlay[] = [];
  for (const d of state.drains) {
    if (d.state !== 'draining') continue;
    out.push({ alias: d.alias, upstream: d.upstream, model: d.model, share: drainShare(d, now) });
  }
  for (const r of state.rollouts) {
    const where = { alias: r.alias, upstream: r.upstream, model: r.model };
    if (r.state === 'failed' || r.state === 'aborted') {
      out.push(r.added ? { ...where, remove: true } : { ...where, share: 0 });
    } else {
      out.push({ ...where, add: r.added, share: candidateShare(r) });
    }
  }
  return out;
}

/** Whether a drain is under way: the catalog's shares then move with time and are rebuilt every second. */
export function moving(state: { drains: readonly Drain[] }): boolean {
  return state.drains.some((d) => d.state === 'draining');
}

/**
 * Retired builds as pulls of every target that names them, so routing keeps them out whatever the config says (a
 * config that still lists one starts, with the build held out and a warning).
 */
export function retiredPulls(catalog: Catalog, retired: readonly Retirement[]): Pull[] {
  if (retired.length === 0) return [];
  const out: Pull[] = [];
  for (const t of catalog.targets()) {
    const r = retired.find((x) => x.upstream === t.upstream && x.model === t.model);
    if (r)
      out.push({
        alias: t.alias,
        upstream: t.upstream,
        model: t.model,
        by: r.by,
        at: r.at,
        reason: `retired: ${r.reason}`,
      });
  }
  return out;
}

/** The aliases that would route to `upstream/model`: listed, not pulled, or in a rollout or a drain. */
export function routedBy(
  catalog: Catalog,
  pulls: readonly Pull[],
  state: { rollouts: readonly Rollout[]; drains: readonly Drain[] },
  upstream: string,
  model: string,
): string[] {
  const aliases = new Set<string>();
  for (const t of catalog.targets()) {
    if (t.upstream !== upstream || t.model !== model) continue;
    const pulled = pulls.some(
      (p) => p.alias === t.alias && p.model === model && (p.upstream === '*' || p.upstream === upstream),
    );
    if (!pulled) aliases.add(t.alias);
  }
  for (const r of state.rollouts) {
    if (['running', 'paused', 'draining'].includes(r.state) && r.upstream === upstream && r.model === model) {
      aliases.add(r.alias);
    }
  }
  for (const d of state.drains) {
    if (d.state === 'draining' && d.upstream === upstream && d.model === model) aliases.add(d.alias);
  }
  return [...aliases].sort();
}
