import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/probe/analysis.js';
import type { FindingKind } from '../../../src/probe/explain.js';
import type { CallOutcome } from '../../../src/probe/outcome.js';
import { DEAD_404, fails, http, incidentResult, oks, probeResult } from './results.js';

function findingsOf(runs: Record<string, CallOutcome[]>, listed?: string[]) {
  const listing = listed ? { ok: true as const, models: listed } : undefined;
  const analysis = analyze(probeResult(runs, listing));
  return Object.fromEntries(analysis.explanations.map((e) => [e.model, e.findings]));
}

function kindsOf(runs: Record<string, CallOutcome[]>, listed?: string[]): Record<string, FindingKind[]> {
  const findings = findingsOf(runs, listed);
  return Object.fromEntries(Object.entries(findings).map(([m, f]) => [m, f.map((x) => x.kind)]));
}

describe('explain', () => {
  it('names the broken backing build of the incident and says the siblings are healthy', () => {
    const analysis = analyze(incidentResult());
    const [alias, ...siblings] = analysis.explanations;
    expect(alias!.findings).toHaveLength(1);
    const finding = alias!.findings[0]!;
    expect(finding.kind).toBe('broken-backing-build');
    expect(finding.build).toBe('gemini-v4p1s-rev24-ajax-sentinel');
    expect(finding.text).toContain(
      'a backing build (gemini-v4p1s-rev24-ajax-sentinel) behind this alias is broken',
    );
    expect(finding.text).toContain('sibling models are healthy');
    expect(finding.text).toContain('17 of 25 calls');
    for (const s of siblings) expect(s.findings.map((f) => f.kind)).toEqual(['healthy']);
    expect(siblings[0]!.findings[0]!.text).toContain(
      '0 failures in 12 calls (failure rate below 24.2% at 95% confidence)',
    );
  });

  it('does not call siblings healthy when one of them fails too', () => {
    const findings = findingsOf({
      alias: [...fails(5, DEAD_404), ...oks(5)],
      good: oks(10),
      flaky: [...fails(1, http(503, 'UNAVAILABLE', 'overloaded')), ...oks(9)],
    });
    const text = findings.alias![0]!.text;
    expect(text).not.toContain('sibling models are healthy');
    expect(text).toContain('healthy siblings: good');
  });

  it('reads a 404 naming the probed model itself as a name problem, not a broken build', () => {
    const own = http(
      404,
      'NOT_FOUND',
      'models/gemini-pro is not found for API version v1beta, or is not supported for generateContent.',
    );
    expect(kindsOf({ 'gemini-pro': fails(3, own), ok: oks(3) }, ['ok'])['gemini-pro']).toEqual([
      'model-not-found',
    ]);
    const text = findingsOf({ 'gemini-pro': fails(3, own) }, ['other'])['gemini-pro']![0]!.text;
    expect(text).toMatch(/^not a published model: GET \/v1beta\/models does not list it/);
    const listed = findingsOf({ 'gemini-pro': fails(3, own) }, ['gemini-pro'])['gemini-pro']![0]!.text;
    expect(listed).toContain('published but not served');
  });

  it.each<[string, CallOutcome[], FindingKind[]]>([
    ['401', fails(2, http(401, 'UNAUTHENTICATED', 'no credentials')), ['key']],
    ['403', fails(2, http(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers")), ['key']],
    [
      '400 bad key',
      fails(2, http(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.')),
      ['key'],
    ],
    ['429', [...fails(2, http(429, 'RESOURCE_EXHAUSTED', 'quota')), ...oks(2)], ['quota', 'intermittent']],
    ['503', fails(2, http(503, 'UNAVAILABLE', 'high demand')), ['server']],
    [
      '400 body',
      fails(2, http(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.')),
      ['invalid-request'],
    ],
    [
      'malformed',
      fails(2, { kind: 'malformed', httpStatus: 200, message: 'malformed response: body is not valid JSON' }),
      ['malformed'],
    ],
    ['cut', fails(2, { kind: 'cut', message: 'stream ended before any finishReason' }), ['cut']],
    ['timeout', fails(2, { kind: 'timeout', message: 'no complete answer within 100 ms' }), ['timeout']],
    [
      'refused',
      fails(2, { kind: 'transport', code: 'ECONNREFUSED', message: 'connection refused (ECONNREFUSED)' }),
      ['unreachable'],
    ],
    ['nothing wrong', oks(4), ['healthy']],
  ])('%s → %j', (_name, outcomes, kinds) => {
    expect(kindsOf({ m: outcomes }).m).toEqual(kinds);
  });

  it('blames a missing key when none was sent, an invalid one otherwise', () => {
    const denied = { m: fails(2, http(403, 'PERMISSION_DENIED', 'unregistered callers')) };
    expect(
      analyze(probeResult(denied, undefined, { authenticated: false })).explanations[0]!.findings[0]!.text,
    ).toContain('no API key was sent');
    expect(findingsOf(denied).m![0]!.text).toContain('the API key is invalid or has no access to this model');
  });

  it('quotes the timeout and the transport reason', () => {
    const timeout = findingsOf({ m: fails(2, { kind: 'timeout', message: 'x' }) }).m![0]!.text;
    expect(timeout).toContain('within 30000 ms');
    const refused = findingsOf({
      m: fails(2, { kind: 'transport', code: 'ECONNREFUSED', message: 'connection refused (ECONNREFUSED)' }),
    }).m![0]!.text;
    expect(refused).toContain('connection refused (ECONNREFUSED)');
  });

  it('orders findings by how many calls they explain and adds "not listed" for a model the list lacks', () => {
    const kinds = kindsOf(
      {
        m: [
          ...fails(1, http(503, 'UNAVAILABLE', 'x')),
          ...fails(3, http(429, 'RESOURCE_EXHAUSTED', 'y')),
          ...oks(1),
        ],
      },
      ['other'],
    );
    expect(kinds.m).toEqual(['quota', 'server', 'not-listed', 'intermittent']);
  });
});
