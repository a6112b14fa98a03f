import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { DEAD_BUILD, type FakeServer, incidentHandler, startFake } from '../unit/probe/fake-gemini.js';

// `aliasgate probe` run in-process through main(), against a small fake of the incident:
// `gemini-3.5-flash` fails 2 of every 3 calls with the dead build's 404; `gemini-2.5-flash` is healthy.
const ALIAS = 'gemini-3.5-flash';
const SIBLING = 'gemini-2.5-flash';
const KEY = 'AIzaSy-test-key-never-printed';

let server: FakeServer;
let dir: string;
beforeEach(async () => {
  server = await startFake(incidentHandler({ alias: ALIAS, failEvery: 3, listed: [ALIAS, SIBLING] }));
  dir = mkdtempSync(join(tmpdir(), 'probe-cli-'));
});
afterEach(async () => {
  await server.close();
});

function probe(...args: string[]) {
  return runCli(['probe', '--base-url', server.url, '-m', ALIAS, '-m', SIBLING, '-n', '30', ...args], {
    GEMINI_API_KEY: KEY,
  });
}

function expectOneLineError(stderr: string, text: string) {
  expect(stderr).toContain(text);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('aliasgate probe (CLI)', () => {
  it('prints the table, the grouped error and the explanation; exit 0 without a threshold', async () => {
    const run = await probe();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/gemini-3\.5-flash +30 +10 +20 +66\.7% \(/);
    expect(run.stdout).toContain(`${ALIAS}: 20 × 404 NOT_FOUND "Model not found: models/${DEAD_BUILD}"`);
    expect(run.stdout).toContain(`a backing build (${DEAD_BUILD}) behind this alias is broken`);
    expect(run.stdout).toContain('sibling models are healthy');
    expect(run.stdout).toMatch(
      /gemini-3\.5-flash vs gemini-2\.5-flash: 20\/30 vs 0\/30 failed, p = .*: significant/,
    );
    expect(run.stderr).toContain('probe: 60/60 calls, 20 failed\n'); // plain progress, not a TTY
    expect(
      server.seen.filter((r) => r.method === 'POST').every((r) => r.headers['x-goog-api-key'] === KEY),
    ).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it('exits 1 when a failure rate is above --max-failure-rate, 0 when within it', async () => {
    expect((await probe('--max-failure-rate', '0.05')).status).toBe(1);
    expect((await probe('--max-failure-rate', '0.7')).status).toBe(0);
  });

  it('prints one JSON document with --json', async () => {
    const run = await probe('--json', '--max-failure-rate', '0.05');
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.models.map((m: { model: string; failed: number }) => [m.model, m.failed])).toEqual([
      [ALIAS, 20],
      [SIBLING, 0],
    ]);
    expect(doc.exceeded).toEqual([ALIAS]);
    expect(doc.exitStatus).toBe(1);
    expect(run.stdout).not.toContain(KEY);
  });

  it('writes the bug report with --report, the key only as $GEMINI_API_KEY', async () => {
    const path = join(dir, 'report.md');
    const run = await probe('--report', path);
    expect(run.status).toBe(0);
    const report = readFileSync(path, 'utf8');
    expect(report).toMatch(/^# `gemini-3\.5-flash` intermittently returns 404/);
    expect(report).toContain('-H "x-goog-api-key: $GEMINI_API_KEY"');
    expect(report).toContain(`Please pull the unhealthy backing build \`${DEAD_BUILD}\``);
    expect(report).not.toContain(KEY);
    expect(run.stderr).toContain(`report written to ${path}`);
  });

  it('sends a --body file as the request', async () => {
    const body = join(dir, 'body.json');
    writeFileSync(
      body,
      '{"contents":[{"parts":[{"text":"custom"}]}],"generationConfig":{"maxOutputTokens":5}}',
    );
    const run = await probe('--body', body, '-n', '1');
    expect(run.status).toBe(0);
    const post = server.seen.find((r) => r.method === 'POST')!;
    expect(JSON.parse(post.body).generationConfig).toEqual({ maxOutputTokens: 5 });
  });

  it.each<[string, string[], string]>([
    ['an unknown flag', ['--bogus'], "unknown option '--bogus'"],
    ['-n 0', ['-n', '0'], '-n/--calls must be a whole number ≥ 1'],
    ['a rate above 1', ['--max-failure-rate', '2'], '--max-failure-rate must be a rate between 0 and 1'],
    ['--concurrency 0', ['--concurrency', '0'], '--concurrency must be a whole number ≥ 1'],
    ['--timeout abc', ['--timeout', 'abc'], '--timeout must be a number of milliseconds > 0'],
    [
      'a missing --body file',
      ['--body', '/nonexistent/body.json'],
      "--body: cannot read '/nonexistent/body.json'",
    ],
    [
      'a report in a missing directory',
      ['--report', '/nonexistent/dir/r.md'],
      "--report: directory '/nonexistent/dir' does not exist",
    ],
  ])('exits 2 on %s, with one line', async (_name, args, message) => {
    const run = await probe(...args);
    expect(run.status).toBe(2);
    expectOneLineError(run.stderr, message);
    expect(server.seen).toHaveLength(0);
  });

  it('exits 2 when no model or a base URL without a scheme is given', async () => {
    const noModel = await runCli(['probe', '--base-url', server.url]);
    expect(noModel.status).toBe(2);
    expectOneLineError(noModel.stderr, 'aliasgate: no model to probe: pass -m MODEL');
    const noScheme = await runCli(['probe', '--base-url', '127.0.0.1:8080', '-m', 'x']);
    expect(noScheme.status).toBe(2);
    expectOneLineError(noScheme.stderr, '--base-url must start with http:// or https://');
  });

  it('counts an unreachable endpoint as failures, says so in one line and exits 1', async () => {
    const url = server.url;
    await server.close();
    const run = await runCli(['probe', '--base-url', url, '-m', ALIAS, '-n', '3']);
    expect(run.status).toBe(1);
    expectOneLineError(
      run.stderr,
      `aliasgate: could not reach ${url}: connection refused (ECONNREFUSED); all 3 calls failed`,
    );
    expect(run.stdout).toMatch(/gemini-3\.5-flash +3 +0 +3 +100\.0%/);
    expect(run.stdout).toContain('could not list models');
    server = await startFake(() => {}); // for afterEach
  });
});
