import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/probe/analysis.js';
import { renderReport } from '../../../src/probe/report.js';
import { fails, http, incidentResult, oks, probeResult } from './results.js';

const ENV = { nodeVersion: 'v20.20.2', platform: 'linux x64' };

describe('renderReport', () => {
  const report = renderReport(analyze(incidentResult()), ENV);

  it('has the sections of the report that got the dead build pulled', () => {
    const headings = report.split('\n').filter((l) => l.startsWith('#'));
    expect(headings).toEqual([
      '# `gemini-3.5-flash` intermittently returns 404 (routes to broken backing build `gemini-v4p1s-rev24-ajax-sentinel`)',
      '## Summary',
      '## Impact',
      '## Reproduction (minimal, library-independent)',
      '## Observed results',
      '## Key facts',
      '## Environment',
      '## Requests',
    ]);
  });

  it('gives a curl loop that takes the key from $GEMINI_API_KEY in the header', () => {
    expect(report).toContain(
      [
        'for i in $(seq 1 25); do',
        '  curl -s "http://127.0.0.1:8787/v1beta/models/gemini-3.5-flash:generateContent" \\',
        '    -H "x-goog-api-key: $GEMINI_API_KEY" \\',
        "    -H 'Content-Type: application/json' \\",
        `    -d '{"contents":[{"parts":[{"text":"hi"}]}]}' \\`,
        `    | grep -o '"message": "[^"]*"' | head -1`,
        'done',
      ].join('\n'),
    );
    expect(report).not.toContain('key=');
  });

  it('states the observed result, the table, the key facts and the request to pull the build', () => {
    expect(report).toContain(
      'Observed result: 17 of 25 calls failed (~68%), every failure identical: "Model not found: models/gemini-v4p1s-rev24-ajax-sentinel". The other 8 returned normal completions.',
    );
    expect(report).toContain('| `gemini-3.5-flash` | 25 | 8 | 17 | 68.0% | 48.4%–82.8% |');
    expect(report).toContain('| `gemini-2.5-flash` | 12 | 12 | 0 | 0.0% | 0.0%–24.2% |');
    expect(report).toContain(
      '`gemini-3.5-flash` is present in `GET /v1beta/models` and the API key has access to it.',
    );
    expect(report).toContain(
      'Sibling/related models are 100% stable in the same test (0 failures out of 12 calls each)',
    );
    expect(report).toContain('  - `gemini-flash-latest`');
    expect(report).toMatch(/The difference is statistically significant: .*p = 1\.0e-4/);
    expect(report).toContain(
      '1. Please pull the unhealthy backing build `gemini-v4p1s-rev24-ajax-sentinel` out of the `gemini-3.5-flash` alias rotation.',
    );
    expect(report).toContain('in favor of `gemini-flash-latest`.');
    expect(report).toContain('- Date/time observed: 2026-05-29T22:00:00.000Z (UTC)');
  });

  it('quotes a stream call with curl -N and ?alt=sse', () => {
    const streamed = renderReport(
      analyze(probeResult({ m: fails(2, http(503, 'UNAVAILABLE', 'busy')) }, undefined, { stream: true })),
      ENV,
    );
    expect(streamed).toContain(
      'curl -sN "http://127.0.0.1:8787/v1beta/models/m:streamGenerateContent?alt=sse"',
    );
    expect(streamed).toContain('# `m` fails 100.0% of calls (503 UNAVAILABLE)');
    expect(streamed).toContain('1. Please investigate the failures of `m` (503 UNAVAILABLE).');
  });

  it("escapes a prompt's quotes for the shell", () => {
    const result = probeResult({ m: oks(1) }, undefined, {
      body: { contents: [{ parts: [{ text: "it's" }] }] },
    });
    expect(renderReport(analyze(result), ENV)).toContain(
      `-d '{"contents":[{"parts":[{"text":"it'\\''s"}]}]}'`,
    );
  });

  it('says there is nothing to report when nothing failed', () => {
    const clean = renderReport(analyze(probeResult({ a: oks(3), b: oks(3) })), ENV);
    expect(clean).toMatch(/^# No failures: `a`, `b` answered every call/);
    expect(clean).not.toContain('## Requests');
  });
});
