import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config/schema.js';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { DEFAULT_SCENARIO_URL } from '../../src/sim/scenario-load.js';
import type { OperatorStore } from '../../src/store/operator-store.js';
import { DASH_INCIDENT } from './fake-admin/scenario.js';
import { incidentConfig, load, type Stack, startStack } from './stack.js';

/**
 * The real gateway over the simulator's incident, under the names the fake admin server uses (DASH_INCIDENT), so
 * that the dashboard's tests and the admin contract can hold the gateway to what the page was built against.
 */

export const INCIDENT_PATH = `/v1beta/models/${DASH_INCIDENT.alias}:generateContent`;

/**
 * The stack's incident config with the fake's aliases: `gemini-3-flash-preview` added, `gemini-2.5-flash` over two
 * healthy builds (pulling one leaves the alias served); and, when given, an admin token.
 */
export function dashboardConfig(simUrl: string, token?: string): Config {
  return incidentConfig(simUrl, {
    ...(token ? { auth: { adminToken: token } } : {}),
    aliases: {
      'gemini-3-flash-preview': {
        stage: 'preview',
        targets: [{ upstream: 'sim', model: 'gemini-3-flash-preview' }],
      },
      [DASH_INCIDENT.twoBuildAlias]: {
        targets: [
          { upstream: 'sim', model: 'gemini-2.5-flash' },
          { upstream: 'sim', model: DASH_INCIDENT.spareBuild },
        ],
      },
    },
  });
}

/**
 * The simulator's incident with one more build of the incident's model, healthy and at weight 0 (the simulator's own
 * alias never picks it): the build a rollout brings in, `DASH_INCIDENT.newBuild`.
 */
export function incidentWithNewBuild(): ScenarioInput {
  const scenario = parse(readFileSync(DEFAULT_SCENARIO_URL, 'utf8')) as {
    models: Record<string, { builds: { name: string; weight: number }[] }>;
  };
  scenario.models[DASH_INCIDENT.alias]!.builds.push({ name: DASH_INCIDENT.newBuild, weight: 0 });
  return scenario as ScenarioInput;
}

/**
 * The gateway on `clock`, open on loopback (demo mode) without a token, after 30 client calls to the incident alias:
 * the dead build has been ejected by real traffic. The test drives health checks itself (`gateway.checker.tick()`).
 */
export async function startIncidentGateway(opts: {
  clock: Clock;
  token?: string;
  operator?: OperatorStore;
}): Promise<Stack> {
  const stack = await startStack({
    clock: opts.clock,
    seed: 13,
    scenario: incidentWithNewBuild(),
    healthTickMs: 1e9,
    openAdmin: opts.token === undefined,
    config: (url) => dashboardConfig(url, opts.token),
    ...(opts.operator ? { operator: opts.operator } : {}),
  });
  await load(stack.url, INCIDENT_PATH, { total: 30, concurrency: 1 });
  return stack;
}
