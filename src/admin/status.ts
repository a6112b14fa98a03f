import type { AliasEntry } from '../catalog/alias.js';
import type { Catalog } from '../catalog/catalog.js';
import { aliasHealth, type TargetStatus } from '../health/alias-status.js';
import type { HealthTable } from '../health/health-table.js';
import type { StoreStatus } from '../store/operator-store.js';
import type { Traffic } from '../telemetry/traffic.js';

export interface StatusSources {
  catalog(): Catalog;
  health: HealthTable;
  /** Per target (attempts) and per alias (client requests). */
  traffic: { targets: Traffic; aliases: Traffic };
  now(): number;
  /** The name this process goes by in the audit log and status (hostname:pid or server.instanceName). */
  replica: string;
  fleet(): { mode: 'local' | 'redis'; replicas: string[] };
  stores(): { operator: StoreStatus; health: StoreStatus };
  /** The alias's latest rollout as the API shows it (lifecycle-routes.ts view), if it has one. */
  rollout?(alias: string): unknown;
  /** The alias's drains under way. */
  drains?(alias: string): unknown[];
}

/**
 * `GET /admin/status` (docs/admin-api.md): every alias with its lifecycle (and whether an operator set it), its
 * fallbacks, what its clients got over 1 and 5 minutes, and each target's state, share of the traffic, recent
 * answers and sparkline.
 */
export function statusBody(sources: StatusSources): unknown {
  const now = sources.now();
  return {
    now,
    replica: sources.replica,
    fleet: sources.fleet(),
    store: sources.stores(),
    aliases: sources
      .catalog()
      .aliases()
      .map((a) => aliasStatus(a, sources, now)),
  };
}

function aliasStatus(alias: AliasEntry, sources: StatusSources, now: number): unknown {
  const health = aliasHealth(alias, sources.health);
  const windows = health.targets.map((t) => sources.traffic.targets.windows(t.id, now));
  const sent = windows.reduce((n, w) => n + w.m1.requests, 0);
  return {
    name: alias.name,
    ...(alias.stage ? { stage: alias.stage } : {}),
    ...(alias.replacement ? { replacement: alias.replacement } : {}),
    ...(alias.shutdown ? { shutdown: alias.shutdown } : {}),
    stageSource: alias.stageSource ?? 'config',
    fallback: alias.fallback,
    status: health.status,
    targetsInRotation: health.targetsInRotation,
    ...rolloutOf(sources, alias.name),
    traffic: sources.traffic.aliases.windows(alias.name, now),
    targets: health.targets.map((t, i) => ({
      ...shownState(t),
      share: sent === 0 ? 0 : windows[i]!.m1.requests / sent,
      ...windows[i],
      sparkline: sources.traffic.targets.sparkline(t.id, now),
    })),
  };
}

/**
 * A target's state in the page's terms: `since` is when it left rotation (the first of a run of ejections), and a
 * target in rotation carries neither `since` nor `ejections` — there they mean when it came back and how long its
 * next ejection would last, which the page would read as an ejection. (Undefined fields are left out of the JSON.)
 */
function shownState(t: TargetStatus): TargetStatus | Record<string, unknown> {
  switch (t.state) {
    case 'in_rotation':
      return { ...t, since: undefined, ejections: undefined };
    case 'ejected':
    case 'checking':
      return { ...t, since: t.outSince };
    default:
      return t;
  }
}

function rolloutOf(sources: StatusSources, alias: string): { rollout?: unknown; drains?: unknown[] } {
  const rollout = sources.rollout?.(alias);
  const drains = sources.drains?.(alias) ?? [];
  return { ...(rollout ? { rollout } : {}), ...(drains.length > 0 ? { drains } : {}) };
}
