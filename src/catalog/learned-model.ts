import { type GenerationMethod, isGenerationMethod } from '../wire/types.js';
import type { AliasEntry } from './alias.js';

/**
 * What an upstream's own Model resource says about the model behind an alias (docs/wire.md §6), for aliases whose
 * config does not declare `methods`: the verbs it serves and its token limits. Learned at start (and on reload) from
 * the first target, beside serving; on the request path only to tell Google's ambiguous 404 apart (routing/router.ts).
 */
export interface LearnedModel {
  methods: GenerationMethod[];
  /** inputTokenLimit and outputTokenLimit, when the upstream gave them. */
  fields: Record<string, unknown>;
}

/**
 * The verbs a listed method implies: Google never lists streamGenerateContent (a model that generates also streams)
 * and lists embedContent for models that batch-embed too (docs/wire.md §6).
 */
const IMPLIED: Partial<Record<string, GenerationMethod[]>> = {
  generateContent: ['generateContent', 'streamGenerateContent'],
  embedContent: ['embedContent', 'batchEmbedContents'],
};

const LIMIT_FIELDS = ['inputTokenLimit', 'outputTokenLimit'] as const;

/** A Model resource → what it teaches; undefined when it lists no methods at all (then nothing is known). */
export function learnedFrom(resource: unknown): LearnedModel | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const r = resource as Record<string, unknown>;
  const listed = r.supportedGenerationMethods;
  if (!Array.isArray(listed)) return undefined;
  const methods = new Set<GenerationMethod>();
  for (const m of listed) {
    if (typeof m !== 'string') continue;
    for (const verb of IMPLIED[m] ?? (isGenerationMethod(m) ? [m] : [])) methods.add(verb);
  }
  const fields: Record<string, unknown> = {};
  for (const f of LIMIT_FIELDS) if (typeof r[f] === 'number') fields[f] = r[f];
  return { methods: [...methods], fields };
}

/** Learned models by the target they were read from (`upstream/model`), so a rebuilt catalogue keeps them. */
export class LearnedModels {
  /** upstream → model → what it taught: two lookups, where one `upstream/model` key would build a string per request. */
  readonly #byTarget = new Map<string, Map<string, LearnedModel>>();
  /** Reads under way, so a request that needs one waits for it instead of starting another. */
  readonly #reading = new Map<string, Promise<LearnedModel | undefined>>();
  /** When a read last failed: a target that cannot be read is not asked again for every request. */
  readonly #failedAt = new Map<string, number>();

  set(upstream: string, model: string, learned: LearnedModel): void {
    const models = this.#byTarget.get(upstream) ?? new Map<string, LearnedModel>();
    this.#byTarget.set(upstream, models);
    models.set(model, learned);
  }

  has(upstream: string, model: string): boolean {
    return this.#get(upstream, model) !== undefined;
  }

  /** What the alias's first target taught, if it has yet. */
  of(alias: AliasEntry): LearnedModel | undefined {
    const first = alias.targets[0];
    return first && this.#get(first.upstream, first.model);
  }

  #get(upstream: string, model: string): LearnedModel | undefined {
    return this.#byTarget.get(upstream)?.get(model);
  }

  /**
   * What `upstream/model` teaches: known, or read once with `read` (a read under way is shared), or undefined when
   * it cannot be read; a failed read is not tried again within `retryAfterMs` of `now`.
   */
  learn(
    upstream: string,
    model: string,
    read: () => Promise<LearnedModel | undefined>,
    now: number,
    retryAfterMs: number,
  ): Promise<LearnedModel | undefined> {
    const key = `${upstream}/${model}`;
    const known = this.#get(upstream, model);
    if (known) return Promise.resolve(known);
    const reading = this.#reading.get(key);
    if (reading) return reading;
    const failedAt = this.#failedAt.get(key);
    if (failedAt !== undefined && now - failedAt < retryAfterMs) return Promise.resolve(undefined);
    const started = read()
      .catch(() => undefined)
      .then((learned) => {
        this.#reading.delete(key);
        if (learned) this.set(upstream, model, learned);
        else this.#failedAt.set(key, now);
        return learned;
      });
    this.#reading.set(key, started);
    return started;
  }
}

/** The verbs routed for an alias: declared, else learned; undefined lets every verb through to the upstream. */
export function aliasMethods(
  alias: AliasEntry,
  learned: LearnedModels | undefined,
): readonly GenerationMethod[] | undefined {
  return alias.methods ?? learned?.of(alias)?.methods;
}

/** The alias as its Model resource shows it: learned methods and limits, under whatever config declares. */
export function withLearned(alias: AliasEntry, learned: LearnedModels | undefined): AliasEntry {
  const known = alias.methods ? undefined : learned?.of(alias);
  if (!known) return alias;
  return { ...alias, methods: known.methods, model: { ...known.fields, ...alias.model } };
}
