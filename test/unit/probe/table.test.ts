import { describe, expect, it } from 'vitest';
import { analyze, probeExitStatus } from '../../../src/probe/analysis.js';
import { toJsonDocument } from '../../../src/probe/document.js';
import { renderTable } from '../../../src/probe/table.js';
import { fails, incidentResult, oks, probeResult } from './results.js';

describe('renderTable', () => {
  const table = renderTable(analyze(incidentResult()), 0.05);

  it('prints one aligned row per model with the Wilson interval', () => {
    const lines = table.split('\n');
    expect(lines[2]).toMatch(/^model +calls +ok +failed +failure rate \(95% CI\) +p50 ms +p95 ms +listed$/);
    expect(lines[3]).toMatch(/^gemini-3\.5-flash +25 +8 +17 +68\.0% \(48\.4%–82\.8%\) +10 +10 +yes$/);
    expect(lines[4]).toMatch(/^gemini-flash-latest +12 +12 +0 +0\.0% \(0\.0%–24\.2%\)/);
    expect(new Set(lines.slice(2, 7).map((l) => l.length)).size).toBe(1);
  });

  it('groups the errors, explains them, compares, and names the models over the threshold', () => {
    expect(table).toContain(
      'gemini-3.5-flash: 17 × 404 NOT_FOUND "Model not found: models/gemini-v4p1s-rev24-ajax-sentinel"',
    );
    expect(table).toContain('a backing build (gemini-v4p1s-rev24-ajax-sentinel) behind this alias is broken');
    expect(table).toMatch(
      /gemini-3\.5-flash vs gemini-flash-latest: 17\/25 vs 0\/12 failed, p = 1\.0e-4 \(two-proportion z-test, z = 3\.89\): significant/,
    );
    expect(table).toContain('above --max-failure-rate 5.0%: gemini-3.5-flash (68.0%)');
  });
});

describe('exit status and the JSON document', () => {
  it('is 1 only when a failure rate is above the threshold', () => {
    const analysis = analyze(incidentResult());
    expect(probeExitStatus(analysis, undefined)).toBe(0);
    expect(probeExitStatus(analysis, 0.05)).toBe(1);
    expect(probeExitStatus(analysis, 0.68)).toBe(0);
  });

  it('is 1 for an unreachable endpoint even without a threshold, and says so', () => {
    const refused = {
      kind: 'transport' as const,
      code: 'ECONNREFUSED',
      message: 'connection refused (ECONNREFUSED)',
    };
    const analysis = analyze(
      probeResult(
        { a: fails(3, refused), b: fails(3, refused) },
        { ok: false, error: 'connection refused (ECONNREFUSED)' },
      ),
    );
    expect(analysis.unreachable).toBe(true);
    expect(probeExitStatus(analysis, undefined)).toBe(1);
    expect(analysis.notes[0]).toBe(
      'could not reach http://127.0.0.1:8787: connection refused (ECONNREFUSED); all 6 calls failed',
    );
    expect(analysis.notes[1]).toMatch(/^could not list models/);
  });

  it('carries counts, rates, intervals, errors, explanations, comparisons and the exit status', () => {
    const doc = toJsonDocument(analyze(incidentResult()), 0.05);
    const alias = doc.models[0]!;
    expect(alias).toMatchObject({
      model: 'gemini-3.5-flash',
      calls: 25,
      ok: 8,
      failed: 17,
      failureRate: 0.68,
      listed: true,
    });
    expect(alias.interval95.lower).toBeCloseTo(0.4841, 4);
    expect(alias.errors).toEqual([
      expect.objectContaining({ label: '404 NOT_FOUND', httpStatus: 404, count: 17 }),
    ]);
    expect(alias.explanations[0]!.kind).toBe('broken-backing-build');
    expect(doc.comparisons).toHaveLength(1);
    expect(doc).toMatchObject({ method: 'generateContent', exceeded: ['gemini-3.5-flash'], exitStatus: 1 });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('has no latency for a model that never succeeded', () => {
    const doc = toJsonDocument(
      analyze(probeResult({ a: fails(2, { kind: 'timeout', message: 't' }), b: oks(2) })),
    );
    expect(doc.models[0]!.latencyMs).toBeNull();
    expect(renderTable(analyze(probeResult({ a: fails(2, { kind: 'timeout', message: 't' }) })))).toMatch(
      /\na +2 +0 +2 +100\.0% .* +- +- +yes/,
    );
  });
});
