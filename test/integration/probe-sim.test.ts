import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimulator } from '../../src/sim/server.js';
import { runCli } from '../support/cli.js';

// The "what it must show", end to end: `aliasgate probe` against the simulator's default
// scenario (the incident: gemini-3.5-flash over a dead build weighted 68 and a healthy one, 32).
const DEAD_BUILD = 'gemini-v4p1s-rev24-ajax-sentinel';
const ALIAS = 'gemini-3.5-flash';
const SIBLINGS = ['gemini-flash-latest', 'gemini-3-flash-preview', 'gemini-2.5-flash'];

let sim: SimServer;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ seed: 7 });
  dir = mkdtempSync(join(tmpdir(), 'probe-sim-'));
});
afterAll(async () => {
  await sim.close();
});

function probe(...extra: string[]) {
  const models = [ALIAS, ...SIBLINGS].flatMap((m) => ['-m', m]);
  return runCli(
    ['probe', '--base-url', sim.url, ...models, '-n', '200', '--concurrency', '8', '--json', ...extra],
    {
      GEMINI_API_KEY: 'sim-key',
    },
  );
}

interface ModelDoc {
  model: string;
  calls: number;
  failed: number;
  interval95: { lower: number; upper: number };
  errors: { label: string; message: string; count: number }[];
  explanations: { kind: string; text: string }[];
}

describe.each([
  ['generateContent', []],
  ['streamGenerateContent (--stream)', ['--stream']],
])('aliasgate probe against the simulated incident: %s', (_name, mode) => {
  it('finds the dead build behind the alias, the siblings at 0, and exits 1 over 5%', async () => {
    const report = join(dir, `report${mode.join('')}.md`);
    const run = await probe(...mode, '--max-failure-rate', '0.05', '--report', report);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout) as { models: ModelDoc[]; comparisons: { model: string; p: number }[] };
    const [alias, ...siblings] = doc.models;

    expect(alias!.model).toBe(ALIAS);
    expect(alias!.calls).toBe(200);
    expect(alias!.interval95.lower).toBeLessThan(0.68);
    expect(alias!.interval95.upper).toBeGreaterThan(0.68);
    expect(alias!.errors).toHaveLength(1);
    expect(alias!.errors[0]).toMatchObject({
      label: '404 NOT_FOUND',
      message: `Model not found: models/${DEAD_BUILD}`,
    });
    expect(alias!.errors[0]!.count).toBe(alias!.failed);
    expect(alias!.explanations[0]!.text).toContain(
      `a backing build (${DEAD_BUILD}) behind this alias is broken`,
    );
    expect(alias!.explanations[0]!.text).toContain('sibling models are healthy');

    expect(siblings.map((s) => [s.model, s.calls, s.failed])).toEqual(SIBLINGS.map((m) => [m, 200, 0]));
    expect(doc.comparisons).toEqual([expect.objectContaining({ model: ALIAS })]);
    expect(doc.comparisons[0]!.p).toBeLessThan(1e-10);

    const text = readFileSync(report, 'utf8');
    expect(text).toContain(
      `Please pull the unhealthy backing build \`${DEAD_BUILD}\` out of the \`${ALIAS}\` alias rotation.`,
    );
    expect(text).toContain('-H "x-goog-api-key: $GEMINI_API_KEY"');
    expect(text).not.toContain('sim-key');
  });
});

it('prints the table a person reads, with the explanation', async () => {
  const run = await runCli(['probe', '--base-url', sim.url, '-m', ALIAS, '-m', SIBLINGS[0]!, '-n', '50']);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`${ALIAS.replace(/\./g, '\\.')} +50 +\\d+ +\\d+ +\\d+\\.\\d% \\(`));
  expect(run.stdout).toContain(`404 NOT_FOUND "Model not found: models/${DEAD_BUILD}"`);
  expect(run.stdout).toContain('sibling models are healthy');
});
