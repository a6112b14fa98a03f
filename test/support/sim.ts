import { afterEach, beforeEach } from 'vitest';
import type { BehaviourInput, ScenarioInput } from '../../src/sim/scenario.js';
import { type SimServer, type SimulatorOptions, startSimulator } from '../../src/sim/server.js';

export type { SimServer, SimulatorOptions };
export { startSimulator };

/** The names of the default (incident) scenario. */
export const INCIDENT = {
  alias: 'gemini-3.5-flash',
  deadBuild: 'gemini-v4p1s-rev24-ajax-sentinel',
  healthyBuild: 'gemini-3.5-flash-001',
  /** Share of alias calls that land on the dead build, by weight. */
  deadShare: 0.68,
  siblings: ['gemini-flash-latest', 'gemini-3-flash-preview', 'gemini-2.5-flash'],
  embeddingModel: 'gemini-embedding-001',
} as const;

/**
 * Starts a simulator for the current test and closes it after each test:
 *   const sim = useSim();                 // the incident
 *   const sim = useSim({ scenario: oneBuild({ kind: 'hang' }) });
 *   … sim().url …
 */
export function useSim(options: SimulatorOptions = {}): () => SimServer {
  let server: SimServer | undefined;
  beforeEach(async () => {
    server = await startSimulator(options);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (!server) throw new Error('useSim(): the simulator runs only inside a test');
    return server;
  };
}

/** Runs `fn` against a fresh simulator and always closes it. */
export async function withSim<T>(options: SimulatorOptions, fn: (sim: SimServer) => Promise<T>): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

/**
 * A scenario with one public model `sim-model` served by one build `sim-model-001` that behaves
 * as given; `extra` adds build knobs (latency, streamChunks, …).
 */
export function oneBuild(behaviour: BehaviourInput, extra: Record<string, unknown> = {}): ScenarioInput {
  return {
    seed: 1,
    models: {
      'sim-model': { builds: [{ name: 'sim-model-001', weight: 1, behaviour, ...extra }] },
      'gemini-embedding-001': {
        builds: [{ name: 'gemini-embedding-001-001', weight: 1, behaviour, ...extra }],
      },
    },
  };
}
