import { expect } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { isConfigError } from '../../src/errors.js';

/** Parses a config that must be refused and returns the ConfigError's lines (the test fails if it parses). */
export function configProblems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, 'gateway.yaml', env);
  } catch (e) {
    expect(isConfigError(e)).toBe(true);
    return (e as Error).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

/** The config's defaults, as the schema gives them (the one place they are defined). */
export const DEFAULTS = parseConfig(
  'upstreams: { u: { baseUrl: "http://127.0.0.1:1" } }\naliases: { a: { targets: [{ upstream: u, model: m }] } }\n',
  'defaults.yaml',
  {},
);

/** The default outlier policy (config `health`). */
export const DEFAULT_OUTLIER_POLICY = DEFAULTS.health;

/** The default retry budget (config `routing.retryBudget`). */
export const DEFAULT_RETRY_BUDGET = DEFAULTS.routing.retryBudget;
