import type { Catalog } from '../catalog/catalog.js';
import type { HealthEvent } from '../health/health-table.js';
import type { TimelineInput } from './timeline.js';

/**
 * A health event as a timeline entry, naming its target; undefined for a target the catalog no longer has. `actor` is
 * this replica; an event from another replica's decision names that one and is marked adopted.
 */
export function healthEntry(event: HealthEvent, catalog: Catalog, actor: string): TimelineInput | undefined {
  const target = catalog.target(event.targetId);
  if (!target) return undefined;
  const decided = event.by === undefined ? { actor } : { actor: event.by, adopted: true };
  const where = { alias: target.alias, upstream: target.upstream, model: target.model, ...decided };
  switch (event.type) {
    case 'ejected':
      return { kind: 'ejected', ...where, reason: event.reason, until: event.until };
    case 'ejection_overflow':
      return {
        kind: 'ejection_overflow',
        ...where,
        reason: `kept in rotation by maxEjectionPercent; ${event.reason}`,
      };
    case 'checking':
      return { kind: 'checking', ...where, reason: 'ejection ended; health checks begin' };
    case 'readmitted':
      return { kind: 'readmitted', ...where, reason: event.reason };
  }
}
