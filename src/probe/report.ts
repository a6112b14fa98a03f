import { curlLoop } from '../wire/curl.js';
import { renderEnvelope } from '../wire/envelope.js';
import type { ProbeAnalysis } from './analysis.js';
import { type Comparison, testName } from './compare.js';
import type { Finding } from './explain.js';
import { milliseconds, percent, pValue, redactKeyParams } from './format.js';
import type { ErrorGroup } from './group.js';
import { callUrl, DEFAULT_BASE_URL, methodName } from './options.js';
import type { ModelSummary } from './summary.js';

/** Facts about where the probe ran, for the report's Environment section. */
export interface ReportEnvironment {
  /** `process.version`, e.g. `v20.20.2`. */
  nodeVersion: string;
  /** `${process.platform} ${process.arch}`. */
  platform: string;
}

/**
 * A Markdown bug report a provider can act on, shaped like the incident report that got the
 * dead build pulled (docs/incident.md): summary, impact, a
 * library-free curl reproduction, observed results, key facts, environment, requests. The key
 * appears only as `$GEMINI_API_KEY`.
 */
export function renderReport(analysis: ProbeAnalysis, env: ReportEnvironment): string {
  const focus = worstModel(analysis.summaries);
  const context: ReportContext = {
    analysis,
    env,
    focus,
    broken: focus && brokenBuild(analysis, focus.model),
  };
  return `${[
    `# ${title(context)}`,
    ...section('Summary', summary(context)),
    ...section('Impact', impact(context)),
    ...section('Reproduction (minimal, library-independent)', reproduction(context)),
    ...section('Observed results', observed(context)),
    ...section('Key facts', keyFacts(context)),
    ...section('Environment', environment(context)),
    ...section('Requests', requests(context)),
  ].join('\n\n')}\n`;
}

interface ReportContext {
  analysis: ProbeAnalysis;
  env: ReportEnvironment;
  /** The model with the highest failure rate, if any failed. */
  focus: ModelSummary | undefined;
  /** Its dead-backing-build finding, if that is what the evidence says. */
  broken: Finding | undefined;
}

function section(heading: string, paragraphs: string[]): string[] {
  return paragraphs.length === 0 ? [] : [`## ${heading}`, ...paragraphs];
}

function worstModel(summaries: readonly ModelSummary[]): ModelSummary | undefined {
  const failing = summaries.filter((s) => s.failed > 0);
  return failing.sort((a, b) => b.failureRate - a.failureRate)[0];
}

function brokenBuild(analysis: ProbeAnalysis, model: string): Finding | undefined {
  const explanation = analysis.explanations.find((e) => e.model === model);
  return explanation?.findings.find((f) => f.kind === 'broken-backing-build');
}

function healthySiblings({ analysis, focus }: ReportContext): ModelSummary[] {
  return analysis.summaries.filter((s) => s !== focus && s.calls > 0 && s.failed === 0);
}

function method(ctx: ReportContext): string {
  return methodName(ctx.analysis.result.settings.stream);
}

function apiName(ctx: ReportContext): string {
  const { baseUrl, apiVersion } = ctx.analysis.result.settings;
  return baseUrl === DEFAULT_BASE_URL
    ? `the Gemini Developer API (${new URL(baseUrl).host}, ${apiVersion})`
    : `the Gemini-wire API at ${redactKeyParams(baseUrl)} (${apiVersion})`;
}

function rateWithInterval(s: ModelSummary): string {
  return `${percent(s.failureRate)}, 95% CI ${percent(s.interval.lower)}–${percent(s.interval.upper)}`;
}

function title(ctx: ReportContext): string {
  const { focus, broken } = ctx;
  if (!focus)
    return `No failures: ${ctx.analysis.summaries.map((s) => `\`${s.model}\``).join(', ')} answered every call`;
  if (broken) {
    const how = focus.ok > 0 ? 'intermittently returns' : 'returns';
    return `\`${focus.model}\` ${how} 404 (routes to broken backing build \`${broken.build}\`)`;
  }
  const top = focus.errors[0];
  return `\`${focus.model}\` fails ${percent(focus.failureRate)} of calls${top ? ` (${top.label})` : ''}`;
}

function summary(ctx: ReportContext): string[] {
  const { focus, broken } = ctx;
  if (!focus) {
    return [`Every ${method(ctx)} call to ${apiName(ctx)} succeeded. Nothing to report to the provider.`];
  }
  const top = focus.errors[0];
  const counted =
    `The model \`${focus.model}\` on ${apiName(ctx)} failed ${focus.failed} of ${focus.calls} ` +
    `\`${method(ctx)}\` requests (${rateWithInterval(focus)})`;
  const paragraphs = [
    top && focus.errors.length === 1 ? `${counted}, every failure identical:` : `${counted}.`,
  ];
  if (top) paragraphs.push(envelopeBlock(top));
  if (broken && focus.ok > 0) {
    paragraphs.push(
      `The error names an internal backing build, \`${broken.build}\`, not the model asked for, and the same ` +
        `model succeeds on the remaining ${focus.ok} requests. That strongly suggests \`${focus.model}\` is ` +
        `load-balanced across several backing builds and one of them (\`${broken.build}\`) is decommissioned or ` +
        'unhealthy and needs to be pulled from rotation.',
    );
  } else if (broken) {
    paragraphs.push(
      `The error names an internal backing build, \`${broken.build}\`, not the model asked for.`,
    );
  }
  return paragraphs;
}

function envelopeBlock(group: ErrorGroup): string {
  const e = group.example;
  if (e.kind !== 'http' || e.httpStatus === undefined) return `\`\`\`\n${group.label}: ${e.message}\n\`\`\``;
  const envelope = renderEnvelope({ code: e.httpStatus, message: e.message, status: e.status ?? '' });
  return `\`\`\`\n${group.label}\n\n${envelope}\`\`\``;
}

function impact(ctx: ReportContext): string[] {
  const { focus, broken } = ctx;
  if (!focus) return [];
  const share = `Traffic using \`${focus.model}\` fails ${percent(focus.failureRate, 0)} of the time`;
  if (broken) {
    return [
      `${share}${focus.ok > 0 ? ', intermittently and unpredictably' : ''}. Normal backoff does not help: the ` +
        'failure surfaces as a 404, which clients and the official SDKs treat as final, not as a retryable 429/503.',
    ];
  }
  return [`${share}.`];
}

function reproduction(ctx: ReportContext): string[] {
  const { settings } = ctx.analysis.result;
  const model = ctx.focus?.model ?? settings.models[0]!;
  const url = redactKeyParams(callUrl(settings, model));
  const loop = curlLoop({ url, body: settings.body, calls: settings.calls, stream: settings.stream });
  const paragraphs = [
    `Plain curl against the REST endpoint, ${requestBodyDescription(ctx)}, no SDK involved:`,
    `\`\`\`sh\n${loop}\n\`\`\``,
  ];
  if (ctx.focus) paragraphs.push(`Observed result: ${observedSentence(ctx.focus)}`);
  return paragraphs;
}

function requestBodyDescription(ctx: ReportContext): string {
  const source = ctx.analysis.result.settings.bodySource;
  return 'prompt' in source ? 'minimal request body' : `request body from \`${source.file}\``;
}

function observedSentence(s: ModelSummary): string {
  const failed = `${s.failed} of ${s.calls} calls failed (~${percent(s.failureRate, 0)})`;
  const top = s.errors[0];
  const errors =
    top && s.errors.length === 1
      ? `every failure identical: "${top.example.message}"`
      : `errors: ${s.errors.map((g) => `${g.count} × ${g.label} "${g.example.message}"`).join('; ')}`;
  const rest = s.ok > 0 ? ` The other ${s.ok} returned normal completions.` : '';
  return `${failed}, ${errors}.${rest}`;
}

function observed(ctx: ReportContext): string[] {
  const { analysis } = ctx;
  const version = analysis.result.settings.apiVersion;
  const rows = analysis.summaries.map((s) =>
    row([
      `\`${s.model}\``,
      String(s.calls),
      String(s.ok),
      String(s.failed),
      percent(s.failureRate),
      `${percent(s.interval.lower)}–${percent(s.interval.upper)}`,
      s.latency ? milliseconds(s.latency.p50) : '-',
      s.latency ? milliseconds(s.latency.p95) : '-',
      s.listed === undefined ? 'unknown' : s.listed ? 'yes' : 'no',
    ]),
  );
  const table = [
    row([
      'model',
      'calls',
      'ok',
      'failed',
      'failure rate',
      '95% CI (Wilson)',
      'p50 ms',
      'p95 ms',
      `in GET /${version}/models`,
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
    ...rows,
  ].join('\n');
  const errors = analysis.summaries.flatMap((s) =>
    s.errors.map((g) =>
      row([`\`${s.model}\``, String(g.count), g.label, `\`${g.example.message.replace(/\|/g, '\\|')}\``]),
    ),
  );
  const paragraphs = [table];
  if (errors.length > 0)
    paragraphs.push(
      [row(['model', 'count', 'error', 'message']), row(['---', '---:', '---', '---']), ...errors].join('\n'),
    );
  return paragraphs;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function keyFacts(ctx: ReportContext): string[] {
  const { analysis, focus } = ctx;
  const version = analysis.result.settings.apiVersion;
  const facts: string[] = [];
  if (focus?.listed === true) {
    facts.push(
      `\`${focus.model}\` is present in \`GET /${version}/models\`` +
        (focus.ok > 0 && analysis.result.settings.authenticated ? ' and the API key has access to it.' : '.'),
    );
  } else if (focus?.listed === false) {
    facts.push(`\`${focus.model}\` is not listed by \`GET /${version}/models\`.`);
  }
  if (ctx.broken && focus && focus.ok > 0) {
    facts.push(
      `A direct \`${method(ctx)}\` call to \`${focus.model}\` succeeds part of the time (${focus.ok} of ${focus.calls}), ` +
        "so this is not an access/permissions or model-name issue; it's a specific backing build behind the alias failing.",
    );
  }
  const healthy = healthySiblings(ctx);
  if (focus && healthy.length > 0) {
    const counts = [...new Set(healthy.map((s) => s.calls))].join('/');
    facts.push(
      `Sibling/related models are 100% stable in the same test (0 failures out of ${counts} calls each):\n` +
        healthy.map((s) => `  - \`${s.model}\``).join('\n'),
    );
  }
  facts.push(...analysis.comparisons.map(comparisonFact));
  facts.push(
    'Reproduced with the raw REST API (no client library): the calls were plain HTTP requests with the API key in ' +
      'the `x-goog-api-key` header.',
  );
  facts.push(...analysis.notes.map((n) => `${n[0]!.toUpperCase()}${n.slice(1)}.`));
  return [facts.map((f) => `- ${f}`).join('\n')];
}

function comparisonFact(c: Comparison): string {
  const verdict = c.significant
    ? 'The difference is statistically significant'
    : 'The difference is not significant at 5%';
  return `${verdict}: \`${c.model}\` ${c.failed}/${c.calls} failed vs \`${c.against}\` ${c.againstFailed}/${c.againstCalls} (${pValue(c.p)}, ${testName(c)}).`;
}

function environment(ctx: ReportContext): string[] {
  const { settings, startedAt, durationMs } = ctx.analysis.result;
  const source = settings.bodySource;
  const body =
    'prompt' in source
      ? `minimal, prompt ${JSON.stringify(source.prompt)}, no generationConfig`
      : `from \`${source.file}\``;
  const lines = [
    `API: ${apiName(ctx)}`,
    `Auth: ${settings.authenticated ? 'API key in the `x-goog-api-key` header (not shown)' : 'none'}`,
    `Date/time observed: ${startedAt} (UTC), over ${(durationMs / 1000).toFixed(1)} s`,
    `Method: \`${methodName(settings.stream)}\`${settings.stream ? ' (`alt=sse`, whole stream read)' : ''}`,
    `Request body: ${body}`,
    `Calls: ${settings.calls} per model, ${settings.concurrency} in flight, ${settings.timeoutMs} ms timeout each`,
    `Client: aliasgate probe (raw HTTP), Node ${ctx.env.nodeVersion}, ${ctx.env.platform}`,
  ];
  return [lines.map((l) => `- ${l}`).join('\n')];
}

function requests(ctx: ReportContext): string[] {
  const { focus, broken } = ctx;
  if (!focus) return [];
  const alternative = healthySiblings(ctx)[0];
  const asks = broken
    ? [
        `Please pull the unhealthy backing build \`${broken.build}\` out of the \`${focus.model}\` alias rotation.`,
        `Confirm whether \`${focus.model}\` is a recommended GA alias or should be avoided` +
          (alternative ? ` in favor of \`${alternative.model}\`.` : '.'),
      ]
    : [
        `Please investigate the failures of \`${focus.model}\` (${focus.errors.map((g) => g.label).join(', ')}).`,
      ];
  return [asks.map((a, i) => `${i + 1}. ${a}`).join('\n')];
}
