/**
 * Just enough reading of PromQL to check which metrics and labels an expression relies on. A regex reading is
 * enough because every aliasgate metric shares the `aliasgate_` prefix and no label value we match on contains
 * `{`, `}` or `)`; a name it misreads shows up as "unknown metric", never as a silent pass.
 */

/** Every `aliasgate_…` identifier in an expression, sample suffixes (`_bucket`) included. */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\baliasgate_[A-Za-z0-9_]*/g) ?? [])];
}

/** The label names matched inside `aliasgate_…{…}` selectors, with the metric they select. */
export function selectorLabels(expr: string): { metric: string; label: string }[] {
  const out: { metric: string; label: string }[] = [];
  for (const [, metric, matchers] of expr.matchAll(/\b(aliasgate_[A-Za-z0-9_]*)\s*\{([^}]*)\}/g)) {
    for (const [, label] of (matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
      out.push({ metric: metric!, label: label! });
    }
  }
  return out;
}

/** Labels named by `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
export function groupingLabels(expr: string): string[] {
  const out: string[] = [];
  for (const [, list] of expr.matchAll(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
  )) {
    out.push(
      ...(list ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return out;
}

export interface DashboardQuery {
  /** Panel title or variable name, for failure messages. */
  where: string;
  expr: string;
  legendFormat?: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string; legendFormat?: string }[];
  panels?: Panel[];
}

interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown; definition?: string }[] };
}

/** Every PromQL query in a Grafana dashboard: panel targets (collapsed rows included) and query variables. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const walk = (panels: Panel[] | undefined): void => {
    for (const panel of panels ?? []) {
      for (const t of panel.targets ?? []) {
        if (t.expr)
          out.push({ where: `panel "${panel.title}"`, expr: t.expr, legendFormat: t.legendFormat ?? '' });
      }
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = v.query;
    const expr = typeof q === 'string' ? q : ((q as { query?: string } | undefined)?.query ?? v.definition);
    if (expr) out.push({ where: `variable $${v.name}`, expr });
  }
  return out;
}

/** A dashboard query with Grafana's variables replaced, so that promtool can parse it. */
export function withoutGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_)?interval|\$__range/g, '5m')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*')
    .replace(/^label_values\(\s*([^,]+),\s*([^)]+)\)$/, 'count by ($2) ($1)');
}
