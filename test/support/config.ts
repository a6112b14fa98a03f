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
