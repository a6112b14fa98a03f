import { isActive, lastDecision, rolloutState } from './describe.js';
import { h } from './dom.js';
import { clockTime, failed, rateTone, relative, share, when } from './format.js';

/**
 * An alias's rollout, compact, above its targets: the new build, where the rollout stands, its steps as a progress
 * line, this step's counts for the new build against the alias's other targets (what the gateway judges), its last
 * decision, why it stopped, and the buttons that pause, resume or abort it.
 *
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Rollout} Rollout
 */

/** @param {Alias} alias @param {number} now */
export function rolloutPanel(alias, now) {
  const r = alias.rollout;
  if (!r) return null;
  const build = `${r.upstream}/${r.model}`;
  const state = rolloutState(r);
  const decision = lastDecision(r);
  return h(
    'section',
    {
      class: `rollout rollout-${r.state}`,
      'data-key': `rollout-${r.id}`,
      'data-rollout-state': r.state,
      'aria-label': `Rollout of ${build} to ${alias.name}`,
    },
    h(
      'div',
      { class: 'rollout-head' },
      h('span', { class: 'rollout-title' }, 'Rollout'),
      h('span', { class: 'target-name' }, build),
      r.replace && h('span', { class: 'muted' }, `replacing ${r.replace}`),
      h('span', { class: `pill tone-${state.tone} rollout-state` }, state.label),
      steps(r),
      h('span', { class: 'muted rollout-who' }, `by ${r.by}, started ${when(r.startedAt, now)}`),
      isActive(r) && h('span', { class: 'rollout-actions' }, ...buttons(alias, r, build)),
    ),
    h('p', { class: 'rollout-line rollout-counts' }, ...countsLine(r), ' · ', timing(r, now)),
    decision &&
      h(
        'p',
        { class: 'rollout-line rollout-decision' },
        h('span', { class: 'message-label' }, 'last decision'),
        ' ',
        h('span', { class: 'msg' }, decision),
      ),
    r.stopped &&
      h(
        'p',
        { class: 'rollout-line rollout-stopped' },
        h('span', { class: 'message-label' }, 'why it stopped'),
        ' ',
        h('span', { class: 'msg' }, r.stopped),
      ),
  );
}

/** The steps as a small progress line: those passed, the one under way, those to come. */
function steps(/** @type {Rollout} */ r) {
  const stopped = r.state === 'failed' || r.state === 'aborted';
  const done = r.state === 'succeeded' || r.state === 'draining';
  return h(
    'ol',
    { class: 'steps', 'aria-label': 'Steps' },
    ...r.steps.map((s, i) => {
      const where = i < r.step || (done && i === r.step) ? 'done' : i === r.step ? 'current' : 'todo';
      const cls = where === 'current' && stopped ? 'stopped' : where;
      return h(
        'li',
        { class: `step step-${cls}`, 'aria-current': where === 'current' && !stopped ? 'step' : false },
        share(s),
      );
    }),
  );
}

/** This step's counts: what the step is judged on. */
function countsLine(/** @type {Rollout} */ r) {
  const { candidate, baseline } = r.counts;
  return [
    h('span', { class: 'muted' }, isActive(r) ? 'this step: ' : 'last step: '),
    'new build ',
    figure(candidate),
    ' · other targets ',
    figure(baseline),
  ];
}

/** Coloured as success rates are elsewhere on the page, but only when they call for attention. */
function figure(/** @type {{ requests: number, failures: number }} */ arm) {
  const tone = rateTone(arm.requests ? 1 - arm.failures / arm.requests : null);
  const warn = tone === 'warn' || tone === 'bad';
  return h('span', { class: warn ? `figure tone-${tone}` : 'figure' }, failed(arm));
}

/** When the step is judged next, or when the rollout ended. */
function timing(/** @type {Rollout} */ r, /** @type {number} */ now) {
  if (r.state === 'running')
    return h(
      'span',
      {},
      `judged at ${clockTime(r.lookAt, now)} (`,
      h('span', { 'data-rel': r.lookAt }, relative(r.lookAt, now)),
      ')',
    );
  if (r.state === 'paused') return 'paused: the step runs a whole interval again once resumed';
  if (r.state === 'draining') return `the old build is pulled once nothing is in flight to it`;
  return r.endedAt !== undefined ? `ended ${when(r.endedAt, now)}` : 'ended';
}

/** @param {Alias} alias @param {Rollout} r @param {string} build */
function buttons(alias, r, build) {
  const button = (/** @type {'pause' | 'resume' | 'abort'} */ action, /** @type {string} */ text) =>
    h(
      'button',
      {
        type: 'button',
        class: action === 'abort' ? 'pull' : false,
        'data-action': `rollout-${action}`,
        'data-alias': alias.name,
        'aria-label': `${text} the rollout of ${build} to ${alias.name}`,
      },
      `${text}…`,
    );
  return [
    r.state === 'running' && button('pause', 'Pause'),
    r.state === 'paused' && button('resume', 'Resume'),
    button('abort', 'Abort'),
  ];
}
