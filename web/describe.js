import { clockTime, daysUntil, ordinal, percent, share, when } from './format.js';

/**
 * The words the page uses for states and events, so that an operator reads a sentence instead of a field.
 *
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Target} Target
 * @typedef {import('./types.js').TimelineEntry} TimelineEntry
 * @typedef {import('./types.js').Rollout} Rollout
 * @typedef {import('./types.js').Drain} Drain
 * @typedef {import('./types.js').Tone} Tone
 * @typedef {{ label: string, detail: string, message: string, tone: Tone }} StateWords
 */

/** @returns {StateWords} */
export function targetState(/** @type {Target} */ t, /** @type {number} */ now) {
  const message = t.reason ?? '';
  switch (t.state) {
    case 'in_rotation':
      return { label: 'in rotation', detail: '', message: '', tone: 'ok' };
    case 'ejected':
      return {
        label: `ejected until ${t.until ? clockTime(t.until, now) : '?'}${t.by ? ` (by ${t.by})` : ''}`,
        detail: [t.ejections ? `${ordinal(t.ejections)} ejection` : '', outSince(t, now)]
          .filter(Boolean)
          .join(' · '),
        message,
        tone: 'bad',
      };
    case 'checking':
      return { label: 'health checking', detail: outSince(t, now), message, tone: 'warn' };
    case 'cooling':
      return {
        label: `cooling until ${t.until ? clockTime(t.until, now) : '?'}`,
        detail: 'asked to slow down (429)',
        message,
        tone: 'warn',
      };
    case 'pulled':
      return {
        label: `pulled by ${t.by ?? 'an operator'}`,
        detail: t.at ? `at ${when(t.at, now)}` : '',
        message,
        tone: 'info',
      };
    default:
      return { label: String(t.state), detail: '', message, tone: 'none' };
  }
}

/** @param {Target} t @param {number} now */
function outSince(t, now) {
  return t.since ? `out since ${when(t.since, now)}` : '';
}

/** "upstream/model", as the gateway's x-aliasgate-target header names it. */
export function targetName(/** @type {Target} */ t) {
  return `${t.upstream}/${t.model}`;
}

/** When the alias's trouble began: the earliest time one of its targets left rotation. */
export function troubleSince(/** @type {Alias} */ alias) {
  let first = Number.POSITIVE_INFINITY;
  for (const t of alias.targets) {
    const at = t.state === 'pulled' ? t.at : t.since;
    if (t.state !== 'in_rotation' && at !== undefined) first = Math.min(first, at);
  }
  return Number.isFinite(first) ? first : undefined;
}

/** What the alias's clients get, in one line. */
export function clientWords(/** @type {Alias} */ alias) {
  const m1 = alias.traffic.m1;
  if (!m1.requests) return 'no client traffic in the last minute';
  const tries = m1.attemptsPerRequest ?? null;
  const extra = tries !== null ? `, ${tries.toFixed(2)} attempts per request` : '';
  return `clients: ${percent(m1.successRate)} succeed over the last minute${extra}`;
}

/** Where the alias's traffic goes when none of its targets can take it. */
export function fallbackWords(/** @type {Alias} */ alias) {
  if (!alias.fallback.length) return 'no fallback: requests fail';
  return `requests fall back to ${alias.fallback.join(' → ')}`;
}

const STAGE_LABEL = { ga: 'GA', preview: 'preview', experimental: 'experimental', deprecated: 'deprecated' };

/** @returns {{ badge: string, stage: string, extra: string }} */
export function stageWords(/** @type {Alias} */ alias, /** @type {number} */ now) {
  const stage = alias.stage ?? 'none';
  const badge = alias.stage ? STAGE_LABEL[alias.stage] : 'no stage';
  const parts = [];
  if (alias.replacement) parts.push(`use ${alias.replacement}`);
  if (alias.shutdown) {
    const days = daysUntil(alias.shutdown, now);
    const left = days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : days === 0 ? 'today' : 'passed';
    parts.push(`shutdown ${alias.shutdown} (${left})`);
  }
  return { badge, stage, extra: parts.join(' · ') };
}

/** Still moving traffic: it can be paused, resumed or aborted, and the alias takes no other rollout. */
export function isActive(/** @type {Rollout} */ r) {
  return r.state === 'running' || r.state === 'paused' || r.state === 'draining';
}

/** @type {Record<Rollout['state'], Tone>} */
const ROLLOUT_TONE = {
  running: 'info',
  paused: 'warn',
  draining: 'info',
  succeeded: 'ok',
  failed: 'bad',
  aborted: 'warn',
};

/** Where a rollout stands, in one line: "running · step 2/3 · 50%". */
export function rolloutState(/** @type {Rollout} */ r) {
  const at = `step ${r.step + 1}/${r.steps.length} · ${share(r.steps[r.step] ?? 0)}`;
  const words = {
    running: `running · ${at}`,
    paused: `paused · ${at}`,
    draining: `at 100% · draining ${r.replace ?? 'the old build'}`,
    succeeded: `succeeded · ${share(r.steps[r.step] ?? 0)}`,
    failed: `failed at ${at}`,
    aborted: `aborted at ${at}`,
  };
  return { label: words[r.state] ?? String(r.state), tone: ROLLOUT_TONE[r.state] ?? 'none' };
}

/** The gateway's last decision on the steps; a stop is shown apart, as why it stopped. */
export function lastDecision(/** @type {Rollout} */ r) {
  const stop = r.stopped === undefined ? undefined : `${r.state}: ${r.stopped}`;
  return r.history.filter((line) => line !== stop).at(-1) ?? '';
}

/** "draining → 0 by 14:10:00": when the build's share reaches 0 (it is pulled soon after). */
export function drainWords(/** @type {Drain} */ d, /** @type {number} */ now) {
  return `draining → 0 by ${clockTime(d.startedAt + d.overMs, now)}`;
}

/**
 * A rollout's timeline entry says what happened in its reason's first words (the gateway writes "started: …",
 * "to 50%: …", "paused: …", "aborted: …"); the rest of the reason is shown under it.
 * @type {[RegExp, (m: RegExpMatchArray) => string, Tone][]}
 */
const ROLLOUT_EVENTS = [
  [/^started\b/, () => 'rollout started', 'info'],
  [/^to (\d+(?:\.\d+)?%)/, (m) => `rollout → ${m[1]}`, 'ok'],
  [/^paused\b/, () => 'rollout paused', 'warn'],
  [/^resumed\b/, () => 'rollout resumed', 'info'],
  [/^aborted\b/, () => 'rollout aborted', 'warn'],
  [/^failed\b/, () => 'rollout failed', 'bad'],
  [/^promoted\b/, () => 'rollout at 100%', 'ok'],
  [/^succeeded\b/, () => 'rollout succeeded', 'ok'],
];

/** @param {TimelineEntry} e @returns {{ what: string, tone: Tone }} */
function rolloutEvent(e) {
  for (const [pattern, words, tone] of ROLLOUT_EVENTS) {
    const m = e.reason.match(pattern);
    if (m) return { what: words(m), tone };
  }
  return { what: 'rollout', tone: 'info' };
}

/** @type {Record<TimelineEntry['kind'], (e: TimelineEntry, now: number) => string>} */
const KIND = {
  ejected: (e, now) => (e.until ? `ejected until ${clockTime(e.until, now)}` : 'ejected'),
  ejection_overflow: () => 'ejection not enforced',
  readmitted: () => 're-admitted',
  checking: () => 'health checking',
  health_check: (e) => (e.ok ? 'health check passed' : 'health check failed'),
  pull: () => 'pulled',
  restore: () => 'restored',
  stage: () => 'stage changed',
  reload: () => 'configuration reloaded',
  store: () => 'operator store',
  rollout: (e) => rolloutEvent(e).what,
  drain: (e) => (e.reason.startsWith('drained') ? 'drained and pulled' : 'drain started'),
  retire: (e) => (e.reason.startsWith('un-retired') ? 'un-retired' : 'retired'),
};

/** @type {Record<TimelineEntry['kind'], Tone>} */
const KIND_TONE = {
  ejected: 'bad',
  ejection_overflow: 'warn',
  readmitted: 'ok',
  checking: 'warn',
  health_check: 'warn',
  pull: 'info',
  restore: 'info',
  stage: 'info',
  reload: 'none',
  store: 'warn',
  rollout: 'info',
  drain: 'info',
  retire: 'info',
};

/** @returns {{ what: string, subject: string, tone: Tone }} */
export function timelineWords(/** @type {TimelineEntry} */ e, /** @type {number} */ now) {
  const words = KIND[e.kind];
  const target = e.model ? `${e.upstream ? `${e.upstream}/` : ''}${e.model}` : '';
  const subject = [e.alias, target].filter(Boolean).join(' · ');
  const tone =
    e.kind === 'health_check' && e.ok
      ? 'ok'
      : e.kind === 'rollout'
        ? rolloutEvent(e).tone
        : (KIND_TONE[e.kind] ?? 'none');
  return { what: words ? words(e, now) : String(e.kind), subject, tone };
}
