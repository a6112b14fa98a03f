import type { Stage } from '../config/schema.js';
import type { GenerationMethod } from '../wire/types.js';
import type { Target } from './target.js';

/** An alias as the gateway serves it: its lifecycle, its methods, its targets and fallback chain. */
export interface AliasEntry {
  name: string;
  stage?: Stage;
  replacement?: string;
  /** YYYY-MM-DD. */
  shutdown?: string;
  /** Set when an operator's stage change, not the config, says the lifecycle. */
  stageSource?: 'operator';
  displayName?: string;
  description?: string;
  /**
   * The verbs routed for this alias, when config declares them. Undefined: not declared, so they are learned from the
   * first target's Model resource (learned-model.ts) and, until known, every verb passes and the upstream decides.
   */
  methods?: GenerationMethod[];
  /** False: answers name the alias, never the build that served (config `exposeBuilds`). Absent: true. */
  exposeBuilds?: boolean;
  /** Extra Model-resource fields to advertise (inputTokenLimit, …). */
  model: Record<string, unknown>;
  targets: Target[];
  /** Sibling aliases, in order, as configured (not expanded; see Catalog.fallbackChain). */
  fallback: string[];
}
