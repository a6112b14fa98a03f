import type { Catalog } from '../catalog/catalog.js';
import type { TargetId } from '../catalog/target.js';
import type { PullMark } from '../catalog/target-state.js';
import type { Pull } from '../store/operator-store.js';

/**
 * The operator's pulls as the targets they name: the one index routing reads (through the health table), rebuilt
 * only when the pulls or the catalog change. A pull whose upstream is `*` (made before pulls named their upstream)
 * covers the model on every upstream of the alias; a pull of a target the config no longer has is kept in the store
 * but names nothing here.
 */
export function resolvePulls(catalog: Catalog, pulls: readonly Pull[]): Map<TargetId, PullMark> {
  const marks = new Map<TargetId, PullMark>();
  for (const pull of pulls) {
    for (const target of catalog.get(pull.alias)?.targets ?? []) {
      if (target.model !== pull.model || (pull.upstream !== '*' && pull.upstream !== target.upstream))
        continue;
      marks.set(target.id, { by: pull.by, at: pull.at, reason: pull.reason });
    }
  }
  return marks;
}
