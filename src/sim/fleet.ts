import type { z } from 'zod';
import { type Random, seededRandom } from '../random.js';
import type { ModelResource } from '../wire/types.js';
import { isEmbeddingModel, modelResource } from './model-resource.js';
import type { Behaviour, Build, BuildPatchSchema, Latency, Scenario } from './scenario.js';
import { deriveSeed } from './seeds.js';

/** Defaults of the build knobs (documented on the scenario schema). */
export const DEFAULT_STREAM_CHUNKS = 5;
export const DEFAULT_CHUNK_INTERVAL_MS = 0;
export const DEFAULT_RESPONSE_TOKENS = 40;
export const DEFAULT_EMBEDDING_DIMENSIONS = 768;
export const DEFAULT_SEED = 1;

/** A public model (alias) of the catalogue. */
export interface PublicModel {
  readonly id: string;
  readonly embedding: boolean;
  /** Verbs this model answers; others get the real "not supported for <verb>" 404. */
  readonly methods: ReadonlySet<string>;
  readonly resource: ModelResource;
  readonly embeddingDimensions: number;
  readonly builds: readonly BuildState[];
  /** Picks this alias's build; one stream per alias so other models' traffic never shifts it. */
  readonly routing: Random;
}

/** One backing build and its current (mutable through the admin API) knobs. */
export interface BuildState {
  readonly name: string;
  readonly model: PublicModel;
  weight: number;
  behaviour: Behaviour;
  latency: Latency | undefined;
  streamChunks: number;
  chunkIntervalMs: number;
  responseTokens: number;
  readonly behaviourRandom: Random;
  readonly latencyRandom: Random;
}

/** What serves one request: the model asked for and the build chosen for it. */
export interface Route {
  model: PublicModel;
  build: BuildState;
}

/** The serializable view of a build (admin API). */
export interface BuildView {
  name: string;
  model: string;
  weight: number;
  behaviour: Behaviour;
  latency?: Latency;
  streamChunks: number;
  chunkIntervalMs: number;
  responseTokens: number;
}

type BuildPatchValue = z.output<typeof BuildPatchSchema>;

/**
 * The simulated fleet: the public catalogue, the builds behind each alias, and weighted routing
 * with the seeded random, as the real service load-balances an alias over its builds.
 */
export class Fleet {
  readonly models: readonly PublicModel[];
  readonly resources: readonly ModelResource[];
  readonly #models = new Map<string, PublicModel>();
  readonly #builds = new Map<string, BuildState>();

  constructor(scenario: Scenario, seed: number) {
    const defaults = scenario.defaults ?? {};
    const models: PublicModel[] = [];
    for (const [id, spec] of Object.entries(scenario.models)) {
      const resource = modelResource(id, spec);
      const builds: BuildState[] = [];
      const model: PublicModel = {
        id,
        embedding: isEmbeddingModel(id, spec),
        methods: servedMethods(resource.supportedGenerationMethods ?? []),
        resource,
        embeddingDimensions: spec.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS,
        builds,
        routing: seededRandom(deriveSeed(seed, `route:${id}`)),
      };
      const specs: Build[] = spec.builds ?? [{ name: id, weight: 1, behaviour: { kind: 'healthy' } }];
      for (const b of specs) {
        const build: BuildState = {
          name: b.name,
          model,
          weight: b.weight,
          behaviour: b.behaviour,
          latency: b.latency ?? defaults.latency,
          streamChunks: b.streamChunks ?? defaults.streamChunks ?? DEFAULT_STREAM_CHUNKS,
          chunkIntervalMs: b.chunkIntervalMs ?? defaults.chunkIntervalMs ?? DEFAULT_CHUNK_INTERVAL_MS,
          responseTokens: b.responseTokens ?? defaults.responseTokens ?? DEFAULT_RESPONSE_TOKENS,
          behaviourRandom: seededRandom(deriveSeed(seed, `behaviour:${b.name}`)),
          latencyRandom: seededRandom(deriveSeed(seed, `latency:${b.name}`)),
        };
        builds.push(build);
        this.#builds.set(b.name, build);
      }
      models.push(model);
      this.#models.set(id, model);
    }
    this.models = models;
    this.resources = models.map((m) => m.resource);
  }

  /**
   * Where a request for `name` goes: a public model picks a build by weight; a build name is
   * served by that build itself (each build is addressable directly).
   */
  route(name: string): Route | undefined {
    const model = this.#models.get(name);
    if (model) return { model, build: pickByWeight(model.builds, model.routing) };
    const build = this.#builds.get(name);
    return build && { model: build.model, build };
  }

  model(id: string): PublicModel | undefined {
    return this.#models.get(id);
  }

  build(name: string): BuildState | undefined {
    return this.#builds.get(name);
  }

  buildNames(): string[] {
    return [...this.#builds.keys()];
  }

  /** Applies an already validated patch; returns false for an unknown build. */
  configure(name: string, patch: BuildPatchValue): boolean {
    const build = this.#builds.get(name);
    if (!build) return false;
    if (patch.behaviour) build.behaviour = patch.behaviour;
    if (patch.weight !== undefined) build.weight = patch.weight;
    if (patch.latency !== undefined) build.latency = patch.latency ?? undefined;
    if (patch.streamChunks !== undefined) build.streamChunks = patch.streamChunks;
    if (patch.chunkIntervalMs !== undefined) build.chunkIntervalMs = patch.chunkIntervalMs;
    if (patch.responseTokens !== undefined) build.responseTokens = patch.responseTokens;
    return true;
  }

  view(name: string): BuildView | undefined {
    const b = this.#builds.get(name);
    if (!b) return undefined;
    return {
      name: b.name,
      model: b.model.id,
      weight: b.weight,
      behaviour: b.behaviour,
      ...(b.latency ? { latency: b.latency } : {}),
      streamChunks: b.streamChunks,
      chunkIntervalMs: b.chunkIntervalMs,
      responseTokens: b.responseTokens,
    };
  }
}

/** Weighted choice; when every weight is 0 (all drained at run time) the first build serves. */
export function pickByWeight(builds: readonly BuildState[], random: Random): BuildState {
  let total = 0;
  for (const b of builds) total += b.weight;
  if (builds.length === 1 || total <= 0) return builds[0]!;
  let point = random.next() * total;
  for (const b of builds) {
    point -= b.weight;
    if (point < 0) return b;
  }
  return builds[builds.length - 1]!;
}

/** Listed methods plus the verbs they imply (streaming comes with generateContent, docs/wire.md §1, §6). */
function servedMethods(listed: readonly string[]): Set<string> {
  const methods = new Set(listed);
  if (methods.has('generateContent')) methods.add('streamGenerateContent');
  if (methods.has('embedContent')) methods.add('batchEmbedContents');
  return methods;
}
