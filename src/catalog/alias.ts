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
  methods: GenerationMethod[];
  /** Extra Model-resource fields to advertise (inputTokenLimit, …). */
  model: Record<string, unknown>;
  targets: Target[];
  /** Sibling aliases, in order, as configured (not expanded; see Catalog.fallbackChain). */
  fallback: string[];
}
