import type { Catalog } from '../catalog/catalog.js';
import { aliasHealth } from '../health/alias-status.js';
import type { HealthTable } from '../health/health-table.js';
import type { StoreStatus } from '../store/operator-store.js';

export interface StatusSources {
  catalog(): Catalog;
  health: HealthTable;
  now(): number;
  /** The name this process goes by in the audit log and status (hostname:pid or server.instanceName). */
  replica: string;
  /** Fleet mode and the replicas alive; default: this one alone. */
  fleet?(): { mode: 'local' | 'redis'; replicas: string[] };
  stores(): { operator: StoreStatus; health?: StoreStatus };
}

/** `GET /admin/status`: every alias with its lifecycle, fallbacks and each target's state and recent answers. */
export function statusBody(sources: StatusSources): unknown {
  const stores = sources.stores();
  return {
    now: sources.now(),
    replica: sources.replica,
    fleet: sources.fleet?.() ?? { mode: 'local', replicas: [sources.replica] },
    store: { operator: stores.operator, health: stores.health ?? { ok: true, queued: 0 } },
    aliases: sources
      .catalog()
      .aliases()
      .map((a) => ({
        name: a.name,
        ...(a.stage ? { stage: a.stage } : {}),
        ...(a.replacement ? { replacement: a.replacement } : {}),
        ...(a.shutdown ? { shutdown: a.shutdown } : {}),
        fallback: a.fallback,
        ...aliasHealth(a, sources.health),
      })),
  };
}
