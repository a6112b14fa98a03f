import { expect } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { INCIDENT } from './sim.js';
import { type Stack, startStack } from './stack.js';

/**
 * The gateway as a new user would run it during the incident (the simulator's default scenario: gemini-3.5-flash
 * over a dead build taking 68% of its traffic), in both ways it is used. No alias declares `methods`: they are
 * learned from the simulator, as they would be from Google.
 * - provider mode: the alias is the provider's own name, over the backing builds, with a fallback;
 * - client mode: aliases named unlike their upstream models (`my-flash` → the provider's failing `gemini-3.5-flash`,
 *   falling back to `my-stable` → `gemini-flash-latest`), so every place a request names the model must be rewritten.
 */
export interface Mode {
  name: 'provider' | 'client';
  /** The alias for generation. */
  chat: string;
  /** The alias for embeddings. */
  embed: string;
}

export const MODES: readonly Mode[] = [
  { name: 'provider', chat: INCIDENT.alias, embed: INCIDENT.embeddingModel },
  { name: 'client', chat: 'my-flash', embed: 'my-embed' },
];

/** Calls per case: enough to meet the dead build (68% of the provider alias's calls) before it is ejected. */
export const CALLS = 24;
const CONCURRENCY = 4;

export function clientsConfig(simUrl: string): Config {
  const sim = (model: string, weight = 1) => ({ upstream: 'sim', model, weight });
  return configFromObject({
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    state: { sqlitePath: ':memory:' },
    logging: { level: 'silent' },
    upstreams: { sim: { baseUrl: simUrl } },
    aliases: {
      [INCIDENT.alias]: {
        targets: [sim(INCIDENT.healthyBuild, 32), sim(INCIDENT.deadBuild, 68)],
        fallback: ['gemini-flash-latest'],
      },
      'gemini-flash-latest': { targets: [sim('gemini-flash-latest')] },
      [INCIDENT.embeddingModel]: { targets: [sim(INCIDENT.embeddingModel)] },
      'my-flash': { targets: [sim(INCIDENT.alias)], fallback: ['my-stable'] },
      'my-stable': { targets: [sim('gemini-flash-latest')] },
      'my-embed': { targets: [sim(INCIDENT.embeddingModel)] },
    },
  });
}

/** A fresh simulator and gateway: each case meets the dead build before the gateway has ejected it. */
export function startClientsStack(): Promise<Stack> {
  return startStack({ config: clientsConfig });
}

/**
 * Runs `call` CALLS times, CONCURRENCY at once, and returns what failed (an exception, or an answer that `call` judged
 * incomplete), with the first messages. Every library here is told not to retry on its own, so a failure the gateway
 * let through is seen.
 */
export async function failuresOf(call: (i: number) => Promise<boolean>): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < CALLS) {
      const i = next++;
      try {
        if (!(await call(i))) failures.push(`call ${i}: incomplete answer`);
      } catch (e) {
        failures.push(`call ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failures;
}

/** Runs a case and checks it met the incident: no failure, and (for generation) the dead build answered some calls. */
export async function expectNoFailures(
  stack: Stack,
  call: (i: number) => Promise<boolean>,
  opts: { meetsDeadBuild: boolean },
): Promise<void> {
  const failures = await failuresOf(call);
  expect(failures.slice(0, 3), `${failures.length} of ${CALLS} calls failed`).toEqual([]);
  if (opts.meetsDeadBuild) {
    expect(
      stack.sim.stats().requests.byBuild[INCIDENT.deadBuild] ?? 0,
      'calls the dead build answered',
    ).toBeGreaterThan(0);
  }
}
