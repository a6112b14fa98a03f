import { clockTime, daysUntil, ordinal, percent, when } from './format.js';

/**
 * The words the page uses for states and events, so that an operator reads a sentence instead of a field.
 *
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Target} Target
 * @typedef {import('./types.js').TimelineEntry} TimelineEntry
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
  rollout: () => 'rollout',
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
  rollout: 'none',
};

/** @returns {{ what: string, subject: string, tone: Tone }} */
export function timelineWords(/** @type {TimelineEntry} */ e, /** @type {number} */ now) {
  const words = KIND[e.kind];
  const target = e.model ? `${e.upstream ? `${e.upstream}/` : ''}${e.model}` : '';
  const subject = [e.alias, target].filter(Boolean).join(' · ');
  const tone = e.kind === 'health_check' && e.ok ? 'ok' : (KIND_TONE[e.kind] ?? 'none');
  return { what: words ? words(e, now) : String(e.kind), subject, tone };
}
