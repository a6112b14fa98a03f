import type { ModelResource } from '../wire/types.js';
import type { AliasEntry } from './alias.js';

/**
 * The Gemini Model resource `GET models` and `GET models/{alias}` return for an alias (docs/wire.md §6).
 * Lifecycle fields (`stage`, `replacement`, `shutdown`) ride along as extra fields, only when set:
 * `@google/genai` ignores unknown fields (docs/wire.md §6) and curl users see them. `extras` (e.g. the gateway's
 * health summary) are added last.
 */
export function modelResource(entry: AliasEntry, extras: Record<string, unknown> = {}): ModelResource {
  const resource: ModelResource = {
    name: `models/${entry.name}`,
    baseModelId: entry.name,
    displayName: entry.displayName ?? entry.name,
  };
  if (entry.description !== undefined) resource.description = entry.description;
  Object.assign(resource, entry.model);
  if (entry.methods) resource.supportedGenerationMethods = [...entry.methods];
  if (entry.stage !== undefined) resource.stage = entry.stage;
  if (entry.replacement !== undefined) resource.replacement = entry.replacement;
  if (entry.shutdown !== undefined) resource.shutdown = entry.shutdown;
  return Object.assign(resource, extras);
}
