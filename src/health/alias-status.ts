import type { AliasEntry } from '../catalog/alias.js';
import type { TargetId } from '../catalog/target.js';
import type { TargetState } from '../catalog/target-state.js';
import type { HealthTable } from './health-table.js';
import type { WindowStats } from './outlier.js';

/** One target as status pages show it: where it is, its state, and its recent answers. */
export type TargetStatus = TargetState &
  WindowStats & {
    id: TargetId;
    upstream: string;
    model: string;
    weight: number;
    inFlight: number;
  };

export interface AliasHealth {
  status: 'healthy' | 'degraded' | 'unavailable';
  targetsInRotation: number;
  targets: TargetStatus[];
}

/** An alias's health from its targets' states: healthy when all are in rotation, unavailable when none is. */
export function aliasHealth(alias: AliasEntry, health: HealthTable): AliasHealth {
  const targets: TargetStatus[] = alias.targets.map((t) => ({
    id: t.id,
    upstream: t.upstream,
    model: t.model,
    weight: t.weight,
    ...health.state(t.id),
    ...health.stats(t.id),
    inFlight: health.inFlight(t.id),
  }));
  // a target cooling after a 429 is still in rotation: it is asked to pause, not broken
  const inRotation = targets.filter((t) => t.state === 'in_rotation' || t.state === 'cooling').length;
  return {
    status: inRotation === targets.length ? 'healthy' : inRotation > 0 ? 'degraded' : 'unavailable',
    targetsInRotation: inRotation,
    targets,
  };
}
