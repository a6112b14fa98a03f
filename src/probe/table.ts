import { exceeding, type ProbeAnalysis } from './analysis.js';
import { type Comparison, testName } from './compare.js';
import { milliseconds, percent, pValue, redactKeyParams } from './format.js';
import { methodName } from './options.js';
import type { ModelSummary } from './summary.js';

/** The terminal view of a probe: one header line, the per-model table, errors, meaning, comparisons. */
export function renderTable(analysis: ProbeAnalysis, maxFailureRate?: number): string {
  const sections = [
    [headerLine(analysis), '', ...alignColumns([TABLE_HEADER, ...analysis.summaries.map(tableRow)])],
    section('errors', errorLines(analysis.summaries)),
    section(
      'what it means',
      analysis.explanations.flatMap((e) => e.findings.map((f) => `${e.model}: ${f.text}`)),
    ),
    section('comparisons', analysis.comparisons.map(comparisonLine)),
    section('notes', [...analysis.notes, ...thresholdLines(analysis, maxFailureRate)]),
  ];
  return `${sections
    .filter((s) => s.length > 0)
    .map((s) => s.join('\n'))
    .join('\n\n')}\n`;
}

function headerLine({ result }: ProbeAnalysis): string {
  const s = result.settings;
  const seconds = (result.durationMs / 1000).toFixed(1);
  return (
    `aliasgate probe: ${methodName(s.stream)}, ${s.calls} calls per model, ` +
    `${redactKeyParams(s.baseUrl)} (${s.apiVersion}), concurrency ${s.concurrency}, ${seconds} s`
  );
}

const TABLE_HEADER = [
  'model',
  'calls',
  'ok',
  'failed',
  'failure rate (95% CI)',
  'p50 ms',
  'p95 ms',
  'listed',
];

function tableRow(s: ModelSummary): string[] {
  const interval = `${percent(s.failureRate)} (${percent(s.interval.lower)}–${percent(s.interval.upper)})`;
  const listed = s.listed === undefined ? '?' : s.listed ? 'yes' : 'no';
  return [
    s.model,
    String(s.calls),
    String(s.ok),
    String(s.failed),
    interval,
    s.latency ? milliseconds(s.latency.p50) : '-',
    s.latency ? milliseconds(s.latency.p95) : '-',
    listed,
  ];
}

/** First column left-aligned, the others right-aligned, two spaces between. */
function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [title, ...lines.map((l) => `  ${l}`)];
}

function errorLines(summaries: readonly ModelSummary[]): string[] {
  return summaries.flatMap((s) =>
    s.errors.map((g) => `${s.model}: ${g.count} × ${g.label} ${JSON.stringify(g.example.message)}`),
  );
}

export function comparisonLine(c: Comparison): string {
  const verdict = c.significant ? 'significant' : 'not significant at 5%';
  return (
    `${c.model} vs ${c.against}: ${c.failed}/${c.calls} vs ${c.againstFailed}/${c.againstCalls} failed, ` +
    `${pValue(c.p)} (${testName(c)}): ${verdict}`
  );
}

function thresholdLines(analysis: ProbeAnalysis, maxFailureRate: number | undefined): string[] {
  if (maxFailureRate === undefined) return [];
  const over = exceeding(analysis, maxFailureRate);
  if (over.length === 0)
    return [`every failure rate is within --max-failure-rate ${percent(maxFailureRate)}`];
  const list = over.map((s) => `${s.model} (${percent(s.failureRate)})`).join(', ');
  return [`above --max-failure-rate ${percent(maxFailureRate)}: ${list}`];
}
