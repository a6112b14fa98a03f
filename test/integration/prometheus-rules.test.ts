import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  dashboardQueries,
  groupingLabels,
  metricNames,
  selectorLabels,
  withoutGrafanaVariables,
} from '../support/promql.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * Every metric aliasgate exports, with its labels. Must match src/telemetry/metrics.ts: a rule or panel that names
 * anything else would watch a series that never exists, and an alert on it would never fire.
 */
const METRICS: Record<string, { type: 'counter' | 'gauge' | 'histogram'; labels: string[] }> = {
  aliasgate_requests_total: { type: 'counter', labels: ['alias', 'method', 'result'] },
  aliasgate_upstream_attempts_total: { type: 'counter', labels: ['alias', 'upstream', 'model', 'verdict'] },
  aliasgate_fallbacks_total: { type: 'counter', labels: ['alias', 'fallback'] },
  aliasgate_ejections_detected_total: { type: 'counter', labels: ['alias', 'model'] },
  aliasgate_ejections_enforced_total: { type: 'counter', labels: ['alias', 'model'] },
  aliasgate_ejections_overflow_total: { type: 'counter', labels: ['alias', 'model'] },
  aliasgate_ejections_active: { type: 'gauge', labels: [] },
  aliasgate_health_checks_total: { type: 'counter', labels: ['alias', 'model', 'result'] },
  aliasgate_request_duration_seconds: { type: 'histogram', labels: ['alias'] },
  aliasgate_alias_targets: { type: 'gauge', labels: ['alias'] },
  aliasgate_alias_targets_in_rotation: { type: 'gauge', labels: ['alias'] },
  aliasgate_target_up: { type: 'gauge', labels: ['alias', 'upstream', 'model'] },
  aliasgate_target_out_since_timestamp_seconds: { type: 'gauge', labels: ['alias', 'upstream', 'model'] },
  aliasgate_store_up: { type: 'gauge', labels: ['store'] },
  aliasgate_store_write_queue: { type: 'gauge', labels: ['store'] },
  aliasgate_retry_budget_exhausted_total: { type: 'counter', labels: ['alias'] },
  aliasgate_client_requests_total: { type: 'counter', labels: ['key', 'result'] },
  aliasgate_client_tokens_total: { type: 'counter', labels: ['key', 'kind'] },
  aliasgate_client_rate_limited_total: { type: 'counter', labels: ['key'] },
  aliasgate_overload_rejections_total: { type: 'counter', labels: ['reason'] },
};

/** Labels Prometheus adds to every scraped series (`le` only to histogram buckets, checked separately). */
const TARGET_LABELS = ['job', 'instance'];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = 'examples/prometheus/alerts.yaml';
const RULE_TESTS = 'examples/prometheus/alerts.test.yaml';
const DASHBOARD = 'examples/grafana/aliasgate.json';

const PROMTOOL_FOUND = spawnSync('promtool', ['--version']).error === undefined;
const SKIP_PROMTOOL = process.env.ALIASGATE_SKIP_PROMTOOL === '1';

function promtool(...args: string[]): { status: number | null; output: string } {
  if (!PROMTOOL_FOUND) {
    throw new Error(
      'promtool is not installed, so the alerting rules cannot be checked. Install it (Debian/Ubuntu: ' +
        '`apt-get install prometheus`, or take promtool from a Prometheus release tarball) and put it on PATH, ' +
        'or set ALIASGATE_SKIP_PROMTOOL=1 to skip these checks knowingly.',
    );
  }
  const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Skipped only when asked to; a missing promtool otherwise fails the test with the message above. */
const withPromtool = it.skipIf(!PROMTOOL_FOUND && SKIP_PROMTOOL);

function ruleExprs(): { where: string; expr: string }[] {
  const doc = parse(readFileSync(join(ROOT, RULES), 'utf8')) as {
    groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return doc.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
  );
}

function dashboard(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, DASHBOARD), 'utf8')) as Record<string, unknown>;
}

/** The exported metric a name in a query belongs to: itself, or a histogram for its `_bucket|_sum|_count`. */
function familyOf(name: string): string | undefined {
  if (METRICS[name]) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return METRICS[base]?.type === 'histogram' && base !== name ? base : undefined;
}

/** What is wrong with one query: unknown metrics, and labels that none of its metrics carry. */
function problems(where: string, expr: string, legendFormat = ''): string[] {
  const names = metricNames(expr);
  const out = names.filter((n) => !familyOf(n)).map((n) => `${where}: unknown metric ${n}`);
  const labelsOf = (n: string): string[] => [
    ...(METRICS[familyOf(n) ?? '']?.labels ?? []),
    ...TARGET_LABELS,
    ...(n.endsWith('_bucket') ? ['le'] : []),
  ];
  for (const { metric, label } of selectorLabels(expr)) {
    if (familyOf(metric) && !labelsOf(metric).includes(label))
      out.push(`${where}: ${metric} has no label ${label}`);
  }
  const anyLabel = new Set(names.flatMap(labelsOf));
  const legendLabels = [...legendFormat.matchAll(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g)].map((m) => m[1]!);
  for (const label of [...groupingLabels(expr), ...legendLabels]) {
    if (!anyLabel.has(label)) out.push(`${where}: no metric in it has a label ${label}`);
  }
  return out;
}

describe('Prometheus alerting rules', () => {
  withPromtool('pass promtool check rules', () => {
    const run = promtool('check', 'rules', RULES);
    expect(run.output).toContain('SUCCESS: 6 rules found');
    expect(run.status, run.output).toBe(0);
  });

  withPromtool('pass their promtool unit tests', () => {
    const run = promtool('test', 'rules', RULE_TESTS);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });

  it('use only metrics and labels aliasgate exports', () => {
    const exprs = ruleExprs();
    expect(exprs.map((e) => e.where)).toEqual([
      'rule AliasgateAliasDegraded',
      'rule AliasgateAliasUnavailable',
      'rule AliasgateTargetEjectedLong',
      'rule AliasgateRetryBudgetExhausted',
      'rule AliasgateClientFailures',
      'rule AliasgateStoreDown',
    ]);
    expect(exprs.flatMap(({ where, expr }) => problems(where, expr))).toEqual([]);
  });
});

interface Panel {
  id: number;
  type: string;
  datasource?: unknown;
  targets?: { datasource?: unknown }[];
}

describe('Grafana dashboard', () => {
  it('is importable: JSON with a Prometheus data source variable every query goes through, and an alias variable', () => {
    const d = dashboard();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    const vars = (d.templating as { list: Record<string, unknown>[] }).list;
    expect(vars).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const alias = vars.find((v) => v.name === 'alias');
    expect(JSON.stringify(alias?.query)).toMatch(/label_values\(aliasgate_\w+, alias\)/);
    const all = d.panels as Panel[];
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const panels = all.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(9);
    const sources = panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, resolved at import
    for (const ds of sources) expect(ds).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('uses only metrics and labels aliasgate exports, and shows every one of them', () => {
    const queries = dashboardQueries(dashboard());
    expect(queries.flatMap((q) => problems(q.where, q.expr, q.legendFormat))).toEqual([]);
    const shown = new Set(queries.flatMap((q) => metricNames(q.expr).map(familyOf)));
    expect(Object.keys(METRICS).filter((m) => !shown.has(m))).toEqual([]);
  });

  withPromtool('has queries promtool can parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aliasgate-dashboard-'));
    try {
      const rules = dashboardQueries(dashboard()).map((q, i) => ({
        record: `dashboard:query_${i}`,
        expr: withoutGrafanaVariables(q.expr),
      }));
      const file = join(dir, 'dashboard-queries.yaml');
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const run = promtool('check', 'rules', file);
      expect(run.status, run.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the running gateway', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('exports every metric family the alerting rules use', async () => {
    stack = await startStack();
    const scrape = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    const families = [
      ...new Set(ruleExprs().flatMap(({ expr }) => metricNames(expr).map((n) => familyOf(n) ?? n))),
    ];
    const missing = families.filter((f) => !scrape.includes(`# HELP ${f} `));
    expect(missing, `/metrics has no "# HELP" line for ${missing.join(', ')}`).toEqual([]);
  });
});
