import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/errors.js';
import {
  loadDefaultScenario,
  loadScenarioFile,
  parseScenarioText,
  validateScenario,
} from '../../../src/sim/scenario-load.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isConfigError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const GOOD = `models:
  gemini-3.5-flash:
    builds:
      - name: dead-build
        weight: 68
        behaviour: { kind: dead }
      - name: good-build
        weight: 32
`;

describe('the default scenario (the incident)', () => {
  it('puts gemini-3.5-flash over a dead build at 68 and a healthy one at 32, plus healthy siblings', async () => {
    const s = await loadDefaultScenario();
    const flash = s.models['gemini-3.5-flash']!;
    expect(flash.builds).toEqual([
      { name: 'gemini-v4p1s-rev24-ajax-sentinel', weight: 68, behaviour: { kind: 'dead' } },
      { name: 'gemini-3.5-flash-001', weight: 32, behaviour: { kind: 'healthy' } },
    ]);
    expect(Object.keys(s.models)).toEqual([
      'gemini-3.5-flash',
      'gemini-flash-latest',
      'gemini-3-flash-preview',
      'gemini-2.5-flash',
      'gemini-embedding-001',
    ]);
    for (const id of ['gemini-flash-latest', 'gemini-3-flash-preview', 'gemini-2.5-flash']) {
      expect(s.models[id]!.builds!.every((b) => b.behaviour.kind === 'healthy')).toBe(true);
    }
  });
});

describe('scenario errors name the file, the line and the field', () => {
  it('a negative weight', () => {
    const text = GOOD.replace('weight: 32', 'weight: -1');
    expect(errorOf(() => parseScenarioText(text, 'scenario.yaml'))).toBe(
      'scenario.yaml:8: models.gemini-3.5-flash.builds[1].weight: expected a number >= 0',
    );
  });

  it('a weight that is not a number', () => {
    const text = GOOD.replace('weight: 68', 'weight: lots');
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:5: models.gemini-3.5-flash.builds[0].weight: expected a number, got a string',
    );
  });

  it('a misspelt field points at the key', () => {
    const text = GOOD.replace('weight: 32', 'wieght: 32');
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:8: models.gemini-3.5-flash.builds[1].wieght: unknown key (expected one of name, weight, behaviour, latency, streamChunks, chunkIntervalMs, responseTokens)',
    );
  });

  it('an unknown behaviour kind lists the kinds there are', () => {
    const text = GOOD.replace('{ kind: dead }', '{ kind: zombie }');
    const message = errorOf(() => parseScenarioText(text, 's.yaml'));
    expect(message).toMatch(
      /^s\.yaml:6: models\.gemini-3\.5-flash\.builds\[0\]\.behaviour\.kind: expected one of /,
    );
    expect(message).toContain(
      'healthy, dead, overloaded, transient, hang, reset, streamCut, streamError, malformed',
    );
  });

  it('a rate outside 0..1', () => {
    const text = GOOD.replace('{ kind: dead }', '{ kind: transient, rate: 1.5 }');
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:6: models.gemini-3.5-flash.builds[0].behaviour.rate: expected a number between 0 and 1',
    );
  });

  it('a missing field points at its parent', () => {
    const text = GOOD.replace('      - name: good-build\n', '      - weight: 5\n').replace(
      '        weight: 32\n',
      '',
    );
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:7: models.gemini-3.5-flash.builds[1].name: required',
    );
  });

  it('a build name used twice', () => {
    const text = GOOD.replace('good-build', 'dead-build');
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:7: models.gemini-3.5-flash.builds[1].name: "dead-build" is already the name of a build of gemini-3.5-flash',
    );
  });

  it('an alias whose builds all weigh 0', () => {
    const text = GOOD.replace('weight: 68', 'weight: 0').replace('weight: 32', 'weight: 0');
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:4: models.gemini-3.5-flash.builds: expected a build with weight > 0',
    );
  });

  it('a latency with p99 under p50', () => {
    const text = GOOD.replace(
      '        weight: 32\n',
      '        weight: 32\n        latency: { p50Ms: 100, p99Ms: 50 }\n',
    );
    expect(errorOf(() => parseScenarioText(text, 's.yaml'))).toBe(
      's.yaml:9: models.gemini-3.5-flash.builds[1].latency.p99Ms: expected p99Ms >= p50Ms',
    );
  });

  it('a YAML syntax error', () => {
    expect(errorOf(() => parseScenarioText('models:\n  a: [1, 2\n', 's.yaml'))).toMatch(/^s\.yaml:\d+: /);
  });

  it('no models at all', () => {
    expect(errorOf(() => parseScenarioText('seed: 3\n', 's.yaml'))).toBe('s.yaml:1: models: required');
  });

  it('a document that is not a mapping', () => {
    expect(errorOf(() => parseScenarioText('- 1\n', 's.yaml'))).toBe(
      's.yaml:1: expected a mapping, got a list',
    );
  });

  it('inline scenarios are validated too, without a line', () => {
    expect(errorOf(() => validateScenario({ models: { m: { builds: [{ name: 'b', weight: -2 }] } } }))).toBe(
      'scenario: models.m.builds[0].weight: expected a number >= 0',
    );
  });
});

describe('scenario files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('JSON is accepted, with lines in its errors as well', async () => {
    const file = join(dir, 's.json');
    await writeFile(
      file,
      '{\n  "models": {\n    "m": {\n      "builds": [{ "name": "b", "weight": -1 }]\n    }\n  }\n}\n',
    );
    await expect(loadScenarioFile(file)).rejects.toThrow(
      `${file}:4: models.m.builds[0].weight: expected a number >= 0`,
    );
    await writeFile(file, '{"models": {"m": {}}}');
    expect((await loadScenarioFile(file)).models).toEqual({ m: {} });
  });

  it('a missing file is a ConfigError naming it', async () => {
    const file = join(dir, 'nope.yaml');
    await expect(loadScenarioFile(file)).rejects.toThrow(`${file}: cannot read scenario: ENOENT`);
  });

  it('every shipped scenario validates', async () => {
    for (const name of ['incident.yaml', 'outage.yaml', 'flaky.yaml']) {
      const url = new URL(`../../../scenarios/${name}`, import.meta.url);
      await expect(loadScenarioFile(url)).resolves.toBeDefined();
    }
  });
});
