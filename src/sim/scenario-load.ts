import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { validateWith } from '../validation/issue.js';
import { issuesError, parseYaml } from '../validation/report.js';
import { type Scenario, ScenarioSchema } from './scenario.js';

/** The incident scenario; resolves from both src/sim and dist/sim to the repo's scenarios/. */
export const DEFAULT_SCENARIO_URL = new URL('../../scenarios/incident.yaml', import.meta.url);

/** Reads and validates a scenario file (YAML or JSON). Throws ConfigError naming file:line and field. */
export async function loadScenarioFile(file: string | URL): Promise<Scenario> {
  const label = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `${label}: cannot read scenario: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return parseScenarioText(text, label);
}

export function loadDefaultScenario(): Promise<Scenario> {
  return loadScenarioFile(DEFAULT_SCENARIO_URL);
}

/**
 * Parses scenario text. Every error names where it is, `file:12: models.x.builds[1].weight: …`, in the same words as a
 * gateway config's errors (validation/): "invalid weight" without a place costs the reader a search through the file.
 */
export function parseScenarioText(text: string, label = 'scenario'): Scenario {
  const { doc, lines } = parseYaml(text, label);
  const result = validateWith(ScenarioSchema, doc.toJS());
  if (result.ok) return result.value;
  throw issuesError(result.issues, label, { doc, lines });
}

/** Validates an in-memory scenario (no lines to point at). Throws ConfigError naming the field. */
export function validateScenario(input: unknown, label = 'scenario'): Scenario {
  const result = validateWith(ScenarioSchema, input);
  if (result.ok) return result.value;
  throw issuesError(result.issues, label);
}
