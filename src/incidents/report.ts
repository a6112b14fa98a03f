import type { Incident } from '../store/operator-store.js';
import { curlLoop } from '../wire/curl.js';
import { bareModelId, modelsNamed, otherModelNamed } from '../wire/model-names.js';
import { redactKeyParams } from '../wire/redact.js';

/** What the gateway knows around an episode that the stored record does not hold. */
export interface IncidentContext {
  /** The target's upstream, for the reproduction: base URL and API version. */
  baseUrl: string;
  apiVersion: string;
  /** The generateContent body of the reproduction (the health-check request: a real generation). */
  body: unknown;
  /** The alias's other targets now, with their last five minutes. */
  siblings: readonly Sibling[];
  /** Epoch ms: "still open" episodes are measured up to now. */
  now: number;
}

export interface Sibling {
  upstream: string;
  model: string;
  state: string;
  requests: number;
  failures: number;
}

/**
 * The provider-ready bug report for one ejection episode, in the shape of the probe's report (and of the incident
 * report that got the first dead build pulled, docs/incident.md): summary, impact, a library-free curl reproduction,
 * observed results with the messages and their counts, what it means, key facts, requests. Pure: the caller gathers
 * the context. The API key appears only as `$GEMINI_API_KEY`.
 */
export function renderIncidentReport(incident: Incident, ctx: IncidentContext): string {
  if (incident.rollout) return renderRolloutReport(incident, incident.rollout, ctx);
  const build = namedBuild(incident);
  return `${[
    `# ${title(incident, build)}`,
    ...section('Summary', summary(incident, ctx, build)),
    ...section('Impact', impact(incident)),
    ...section('Reproduction (minimal, library-independent)', reproduction(incident, ctx)),
    ...section('Observed results', observed(incident, ctx)),
    ...section('What it means', meaning(incident, build)),
    ...section('Key facts', keyFacts(incident, ctx)),
    ...section('Requests', requests(incident, ctx, build)),
  ].join('\n\n')}\n`;
}

/** The backing build a message names instead of the model asked for (the incident's signature), if any. */
function namedBuild(incident: Incident): string | undefined {
  for (const { message } of incident.messages) {
    const other = otherModelNamed(message, incident.model);
    if (other !== undefined) return other;
  }
  return undefined;
}

function title(incident: Incident, build: string | undefined): string {
  const what = build
    ? `routes to broken backing build \`${build}\``
    : (incident.messages[0]?.message ?? 'failed');
  return `\`${incident.model}\` on \`${incident.upstream}\` failed and was taken out of rotation (${what})`;
}

function section(heading: string, paragraphs: string[]): string[] {
  return paragraphs.length === 0 ? [] : [`## ${heading}`, ...paragraphs];
}

function window(incident: Incident, now: number): string {
  const start = iso(incident.startedAt);
  if (incident.endedAt === null)
    return `since ${start} (still open, ${duration(now - incident.startedAt)} so far)`;
  return `from ${start} to ${iso(incident.endedAt)} (${duration(incident.endedAt - incident.startedAt)})`;
}

function summary(incident: Incident, ctx: IncidentContext, build: string | undefined): string[] {
  const top = incident.messages[0];
  const paragraphs = [
    `Requests to the model \`${incident.model}\` on ${upstreamName(incident, ctx)}, served as the alias ` +
      `\`${incident.alias}\`, failed ${window(incident, ctx.now)}: ${incident.requests} failed ` +
      `${plural(incident.requests, 'attempt')}${top ? (incident.messages.length === 1 ? ', every failure identical:' : ', most often:') : '.'}`,
  ];
  if (top) paragraphs.push(`\`\`\`\n${top.message}\n\`\`\``);
  if (build) {
    paragraphs.push(
      `The error names a backing build, \`${build}\`, not the model asked for: \`${incident.model}\` is served by ` +
        'several builds and this one is dead but still in rotation.',
    );
  }
  return paragraphs;
}

function upstreamName(incident: Incident, ctx: IncidentContext): string {
  return `the upstream \`${incident.upstream}\` (${redactKeyParams(ctx.baseUrl)}, ${ctx.apiVersion})`;
}

function impact(incident: Incident): string[] {
  const notFound = incident.messages.some((m) => m.message.startsWith('404'));
  return [
    `${incident.requests} ${plural(incident.requests, 'request')} to the target failed; aliasgate retried ` +
      `${incident.retries} of them on another target and ejected the target ${incident.ejections} ` +
      `${plural(incident.ejections, 'time')}.` +
      (notFound
        ? ' Without a gateway these are client-visible: the failure is a 404, which clients and the official SDKs ' +
          'treat as final, not as a retryable 429/503.'
        : ''),
  ];
}

function reproduction(incident: Incident, ctx: IncidentContext): string[] {
  const url = `${upstreamBase(ctx.baseUrl)}/${ctx.apiVersion}/models/${incident.model}:generateContent`;
  const loop = curlLoop({ url, body: ctx.body, calls: 30 });
  return [`Plain curl against the REST endpoint, no SDK involved:`, `\`\`\`sh\n${loop}\n\`\`\``];
}

/**
 * Where the gateway sends the target's calls: the base URL's origin and path, never its query (upstream/pools.ts) —
 * so the reproduction calls the same URL, and a `?key=` left in the config never reaches the report.
 */
function upstreamBase(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return redactKeyParams(baseUrl).replace(/\/+$/, '');
  }
}

function observed(incident: Incident, ctx: IncidentContext): string[] {
  const facts = [
    row(['alias', `\`${incident.alias}\``]),
    row(['target', `\`${incident.upstream}/${incident.model}\``]),
    row(['started', iso(incident.startedAt)]),
    row(['ended', incident.endedAt === null ? 'still open' : iso(incident.endedAt)]),
    row(['duration', duration((incident.endedAt ?? ctx.now) - incident.startedAt)]),
    row(['failed requests', String(incident.requests)]),
    row(['retried elsewhere', String(incident.retries)]),
    row(['ejections', String(incident.ejections)]),
    ...(incident.by ? [row(['seen by', `\`${incident.by}\``])] : []),
  ];
  const table = [row(['episode', '']), row(['---', '---']), ...facts].join('\n');
  const messages = [
    row(['count', 'upstream message']),
    row(['---:', '---']),
    ...incident.messages.map((m) => row([String(m.count), `\`${m.message.replace(/\|/g, '\\|')}\``])),
  ].join('\n');
  return incident.messages.length > 0 ? [table, messages] : [table];
}

/** A 404 that names the target's own model: the upstream says the build itself is gone. */
function buildGone(incident: Incident): boolean {
  return incident.messages.some(
    (m) => m.message.startsWith('404') && modelsNamed(m.message).includes(bareModelId(incident.model)),
  );
}

function meaning(incident: Incident, build: string | undefined): string[] {
  if (!build && buildGone(incident)) {
    return [
      `The upstream answers that \`${incident.model}\` does not exist: the build is decommissioned, or not deployed ` +
        `where this upstream looks, but \`${incident.alias}\` still routes to it. Requests that land on it fail; ` +
        'the alias works only because aliasgate retries them on its other targets.',
    ];
  }
  if (build) {
    return [
      `\`${incident.model}\` is load-balanced over several backing builds and \`${build}\` is decommissioned or ` +
        'unhealthy but left in rotation: requests that land on it fail, the others succeed. The fix is on the ' +
        `provider's side: pull \`${build}\` from the \`${incident.model}\` rotation.`,
    ];
  }
  return [
    `The target answered with errors aliasgate counts as the target's fault (not the client's, not a passing ` +
      'overload), so it took the target out of rotation until health checks passed.',
  ];
}

function keyFacts(incident: Incident, ctx: IncidentContext): string[] {
  const facts: string[] = [];
  const healthy = ctx.siblings.filter((s) => s.state === 'in_rotation' && s.failures === 0);
  if (healthy.length > 0) {
    facts.push(
      `Other targets of \`${incident.alias}\` are healthy (in rotation, no failures in the last 5 minutes):\n` +
        healthy
          .map((s) => `  - \`${s.upstream}/${s.model}\` (${s.requests} ${plural(s.requests, 'request')})`)
          .join('\n'),
    );
  }
  facts.push(
    'Observed by aliasgate on real traffic, counted per attempt; the reproduction above is plain HTTP with the API ' +
      'key in the `x-goog-api-key` header.',
  );
  return [facts.map((f) => `- ${f}`).join('\n')];
}

function requests(incident: Incident, ctx: IncidentContext, build: string | undefined): string[] {
  const asks = build
    ? [
        `Please pull the backing build \`${build}\` out of the \`${incident.model}\` rotation.`,
        `Confirm whether \`${incident.model}\` is a recommended GA model or should be avoided` +
          (ctx.siblings[0] ? ` in favour of \`${ctx.siblings[0].model}\`.` : '.'),
      ]
    : [
        `Please investigate the failures of \`${incident.model}\` (${incident.messages[0]?.message ?? 'see above'}).`,
      ];
  return [asks.map((a, i) => `${i + 1}. ${a}`).join('\n')];
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

type RolloutFacts = NonNullable<Incident['rollout']>;

/**
 * A rollout that was stopped, as a report for whoever made the build: what aliasgate compared (the new build against
 * the alias's other targets, over the same window), the decisions step by step, and why it stopped.
 */
function renderRolloutReport(incident: Incident, r: RolloutFacts, ctx: IncidentContext): string {
  const at = `step ${r.step + 1}/${r.steps.length} (${percent(r.steps[r.step] ?? 0)})`;
  const why = incident.messages[0]?.message ?? '';
  const targetFault = why.startsWith('target fault');
  return `${[
    `# Rollout of \`${incident.model}\` to \`${incident.alias}\` ${r.state} at ${at}`,
    ...section('Summary', [
      `aliasgate was moving the alias \`${incident.alias}\` to the build \`${incident.model}\` on ` +
        `${upstreamName(incident, ctx)} in steps of ${r.steps.map(percent).join(', ')} of its traffic` +
        `${r.replace ? `, replacing \`${r.replace}\`` : ''}. At ${at} it ${r.state === 'aborted' ? 'was stopped' : 'stopped'}:`,
      `\`\`\`\n${why}\n\`\`\``,
      `The new build's share of the alias went to 0 at once; ${r.replace ? `\`${r.replace}\` and ` : ''}the alias's other ` +
        'targets carry its traffic as before.',
    ]),
    ...section('What was compared', [
      [
        row(['arm', 'requests', 'failures', 'failure rate']),
        row(['---', '---:', '---:', '---:']),
        row([`new build \`${incident.model}\``, ...arm(r.candidate)]),
        row([`the alias's other targets`, ...arm(r.baseline)]),
      ].join('\n'),
      'Counted per attempt over the step, across every replica; a failure is a target fault or a transient error ' +
        "(5xx, reset, timeout), not a 429 and not a client's own mistake. The test is one-sided (is the new build " +
        'worse?) with the false-alarm rate spread over the steps, as the decisions below say.',
    ]),
    ...section('Decisions', [
      r.history.length > 0 ? r.history.map((h) => `- ${h}`).join('\n') : '- none before it stopped',
    ]),
    ...section('Reproduction (minimal, library-independent)', reproduction(incident, ctx)),
    ...section('What it means', [
      targetFault
        ? `The new build answered with a fault that names it (a 404 for the model, or a credentials failure): it is ` +
          "not serving where this upstream looks. It never took more than the first step's share."
        : r.state === 'aborted'
          ? 'An operator stopped the rollout; the figures above are what had been seen until then.'
          : `The new build failed more often than the builds it was meant to join or replace, by more than chance ` +
            'explains: promoting it would have made the alias worse.',
    ]),
    ...section('Requests', [
      `1. Do not promote \`${incident.model}\` until the failures above are explained; start a new rollout once fixed.`,
    ]),
  ].join('\n\n')}\n`;
}

function arm(a: { requests: number; failures: number }): string[] {
  return [String(a.requests), String(a.failures), a.requests === 0 ? '-' : percent(a.failures / a.requests)];
}

function percent(share: number): string {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
