import { drainWords, isActive, stageWords, targetName, targetState } from './describe.js';
import { h } from './dom.js';
import { attempts, latency, percent, perSecond, rateTone, weight } from './format.js';
import { rolloutPanel } from './render-rollout.js';
import { sparkline } from './sparkline.js';

/**
 * One card per alias, in the order the gateway lists them (a card never jumps while someone aims at it):
 * what its clients get, its rollout when it has one, then each target with its state in words, its figures and its
 * Drain/Pull/Restore buttons.
 *
 * @typedef {import('./types.js').Status} Status
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Target} Target
 * @typedef {import('./types.js').Window} Window
 */

/** @type {Record<Alias['status'], string>} */
const STATUS_TONE = { healthy: 'ok', degraded: 'warn', unavailable: 'bad' };

/** A container whose children are the cards; morphChildren() moves them into the page. */
export function aliasCards(/** @type {Status} */ status, /** @type {number} */ now) {
  return h('div', {}, ...status.aliases.map((a) => aliasCard(a, now)));
}

/** @param {Alias} alias @param {number} now */
function aliasCard(alias, now) {
  const id = `alias-${alias.name}`;
  return h(
    'article',
    { class: `alias status-${alias.status}`, id, 'data-key': id, 'aria-labelledby': `${id}-name` },
    aliasHead(alias, now),
    rolloutPanel(alias, now),
    h(
      'table',
      { class: 'targets', 'data-key': 'targets' },
      h('caption', { class: 'sr-only' }, `Clients and targets of ${alias.name}`),
      tableHead(),
      clientRows(alias),
      ...alias.targets.map((t) => targetRows(alias, t, now)),
    ),
  );
}

/** @param {Alias} alias @param {number} now */
function aliasHead(alias, now) {
  const stage = stageWords(alias, now);
  const id = `alias-${alias.name}`;
  return h(
    'header',
    { class: 'alias-head', 'data-key': 'head' },
    h('h2', { id: `${id}-name`, class: 'alias-name' }, alias.name),
    h('span', { class: `badge stage-${stage.stage}`, title: 'stage' }, stage.badge),
    stage.extra && h('span', { class: 'stage-extra' }, stage.extra),
    alias.stageSource === 'operator' &&
      h('span', { class: 'badge badge-operator', title: 'overrides the configuration' }, 'set by operator'),
    h('span', { class: `pill tone-${STATUS_TONE[alias.status]}`, 'data-status': alias.status }, alias.status),
    h('span', { class: 'muted' }, `${alias.targetsInRotation} of ${alias.targets.length} in rotation`),
    alias.fallback.length > 0 && h('span', { class: 'muted' }, `fallback → ${alias.fallback.join(' → ')}`),
    h(
      'span',
      { class: 'alias-actions' },
      headButton('rollout', 'Roll out…', alias),
      headButton('stage', 'Stage…', alias),
      headButton('history', 'History…', alias),
    ),
  );
}

const HEAD_LABEL = {
  rollout: (/** @type {string} */ a) => `Roll out a build to ${a}`,
  stage: (/** @type {string} */ a) => `Stage of ${a}`,
  history: (/** @type {string} */ a) => `History of ${a}`,
};

/** @param {'rollout' | 'stage' | 'history'} action @param {string} text @param {Alias} alias */
function headButton(action, text, alias) {
  const label = HEAD_LABEL[action](alias.name);
  return h(
    'button',
    { type: 'button', 'data-action': action, 'data-alias': alias.name, 'aria-label': label },
    text,
  );
}

function tableHead() {
  const sub = (/** @type {string} */ text) => h('span', { class: 'sub' }, text);
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      h('th', { scope: 'col', class: 'col-target' }, 'Target'),
      h('th', { scope: 'col', class: 'col-state' }, 'State'),
      h('th', { scope: 'col', class: 'num col-success' }, 'Success', sub('1 min · 5 min')),
      h('th', { scope: 'col', class: 'num col-latency' }, 'p50 / p99', sub('1 min · 5 min')),
      h('th', { scope: 'col', class: 'num col-rps' }, 'req/s', sub('1 min')),
      h('th', { scope: 'col', class: 'col-spark' }, 'Success', sub('last 5 min')),
      h('th', { scope: 'col', class: 'col-action' }, h('span', { class: 'sr-only' }, 'Action')),
    ),
  );
}

/** What the alias's clients experienced, after the gateway's retries and fallbacks. */
function clientRows(/** @type {Alias} */ alias) {
  const { m1, m5 } = alias.traffic;
  return h(
    'tbody',
    { class: 'clients', 'data-key': 'clients' },
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, 'Clients', h('span', { class: 'sub' }, 'after retries and fallback')),
      h(
        'td',
        {},
        `${attempts(m1.attemptsPerRequest)} attempts/request`,
        h('span', { class: 'sub' }, `5 min: ${attempts(m5.attemptsPerRequest)}`),
      ),
      successCell(m1, m5),
      latencyCell(m1, m5),
      h('td', { class: 'num' }, perSecond(m1.rps)),
      h('td', {}),
      h('td', {}),
    ),
  );
}

/** @param {Alias} alias @param {Target} t @param {number} now */
function targetRows(alias, t, now) {
  const words = targetState(t, now);
  const name = targetName(t);
  const drain = alias.drains?.find((d) => d.upstream === t.upstream && d.model === t.model);
  const r = alias.rollout;
  const candidate = r !== undefined && isActive(r) && r.upstream === t.upstream && r.model === t.model;
  return h(
    'tbody',
    { class: `target state-${t.state}`, 'data-key': t.id, 'data-target': name },
    h(
      'tr',
      {},
      h(
        'th',
        { scope: 'row' },
        h('span', { class: 'target-name' }, name),
        candidate &&
          h('span', { class: 'badge badge-rollout', title: 'the build being rolled out' }, 'new build'),
        h(
          'span',
          { class: 'sub' },
          `weight ${weight(t.weight)}${t.weight === 0 ? ' (standing by)' : ''} · ${percent(t.share)} of traffic · ${t.inFlight} in flight`,
        ),
      ),
      h(
        'td',
        { class: 'state' },
        h('span', { class: `state-label tone-${words.tone}` }, words.label),
        words.detail && h('span', { class: 'sub' }, words.detail),
        drain &&
          h(
            'span',
            { class: 'sub tone-info drain-line', title: `${drain.by}: ${drain.reason}` },
            drainWords(drain, now),
          ),
      ),
      successCell(t.m1, t.m5),
      latencyCell(t.m1, t.m5),
      h('td', { class: 'num' }, perSecond(t.m1.rps)),
      h('td', { class: 'col-spark' }, sparkline(t.sparkline)),
      h(
        'td',
        { class: 'col-action' },
        drain || t.state === 'pulled' ? null : drainButton(alias, t),
        actionButton(alias, t),
      ),
    ),
    words.message &&
      h(
        'tr',
        { class: 'message' },
        h(
          'td',
          { colspan: 7 },
          h('span', { class: 'message-label' }, 'why'),
          ' ',
          h('span', { class: 'msg' }, words.message),
        ),
      ),
  );
}

/** @param {Alias} alias @param {Target} t */
function actionButton(alias, t) {
  const restore = t.state === 'pulled';
  const verb = restore ? 'Restore' : 'Pull';
  return h(
    'button',
    {
      type: 'button',
      class: restore ? 'restore' : 'pull',
      // one key for both: the button that pulled is the one that restores, focus and all
      'data-key': 'pull-restore',
      'data-action': restore ? 'restore' : 'pull',
      'data-alias': alias.name,
      'data-model': t.model,
      'aria-label': `${verb} ${targetName(t)} ${restore ? 'to' : 'from'} ${alias.name}`,
    },
    verb,
  );
}

/** @param {Alias} alias @param {Target} t */
function drainButton(alias, t) {
  return h(
    'button',
    {
      type: 'button',
      class: 'drain',
      'data-key': 'drain',
      'data-action': 'drain',
      'data-alias': alias.name,
      'data-upstream': t.upstream,
      'data-model': t.model,
      'aria-label': `Drain ${targetName(t)} from ${alias.name}`,
    },
    'Drain…',
  );
}

/** @param {Window} m1 @param {Window} m5 */
function successCell(m1, m5) {
  return h(
    'td',
    { class: 'num' },
    h('span', { class: `v tone-${rateTone(m1.successRate)}` }, percent(m1.successRate)),
    h(
      'span',
      { class: `sub tone-${rateTone(m5.successRate)}` },
      `${percent(m5.successRate)} of ${m5.requests}`,
    ),
  );
}

/** @param {Window} m1 @param {Window} m5 */
function latencyCell(m1, m5) {
  return h(
    'td',
    { class: 'num' },
    h('span', { class: 'v' }, latency(m1.p50Ms, m1.p99Ms)),
    h('span', { class: 'sub' }, latency(m5.p50Ms, m5.p99Ms)),
  );
}
