import { getStatus } from './api.js';
import { serverNow, syncClock } from './clock.js';
import { openHistory, openStageDialog, openTargetDialog, setupDialogs } from './dialogs.js';
import { h, morphChildren } from './dom.js';
import { clockTime, relative } from './format.js';
import { openChangeDialog, openDrainDialog, openRolloutDialog } from './lifecycle-dialogs.js';
import { connectLive } from './live.js';
import { aliasCards } from './render-aliases.js';
import { attention } from './render-attention.js';
import { headerFacts } from './render-header.js';
import { Timeline } from './timeline.js';

/**
 * The on-call dashboard: the gateway's status, pushed every 2 s and on every change, drawn in place (so
 * focus and a half-pressed button survive an update), the timeline beside it, and the actions behind
 * buttons. Figures that stopped updating are greyed and say so.
 *
 * @typedef {import('./types.js').Status} Status
 * @typedef {import('./live.js').LinkState} LinkState
 */

/** Updates come every 2 s; three missed ones and the figures are declared stale. */
const STALE_MS = 6_000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {Status | undefined} */
let status;
let receivedAt = 0;
/** @type {LinkState} */
let link = 'connecting';
let linkDetail = '';
const timeline = new Timeline($('timeline'), $('timeline-empty'));
/**
 * Entries replayed on connect come before the first status, which tells the gateway's time; without it
 * "today" and "2m ago" would be guessed from the viewer's clock.
 * @type {import('./types.js').TimelineEntry[]}
 */
let early = [];

function render() {
  if (!status) return;
  const now = serverNow();
  morphChildren($('facts'), headerFacts(status));
  morphChildren($('attention'), h('div', {}, attention(status, now)));
  morphChildren($('aliases'), aliasCards(status, now));
  syncAliasFilter(status.aliases.map((a) => a.name));
  $('loading').hidden = true;
}

function renderLink() {
  const stale = link === 'live' && status !== undefined && Date.now() - receivedAt > STALE_MS;
  const state = stale ? 'stale' : link;
  const pill = $('link');
  pill.dataset.link = state;
  pill.textContent = linkWords(state);
  pill.title = linkDetail;
  document.body.classList.toggle('is-stale', state !== 'live' && status !== undefined);
  $('locked').hidden = link !== 'locked';
  $('dashboard').hidden = link === 'locked';
}

/** @param {LinkState | 'stale'} state */
function linkWords(state) {
  const at = status ? ` · figures from ${clockTime(status.now, serverNow())}` : '';
  switch (state) {
    case 'live':
      return `live${at}`;
    case 'stale':
      return `no update for ${relative(receivedAt, Date.now()).replace(' ago', '')}${at}`;
    case 'reconnecting':
      return `reconnecting…${at}`;
    case 'offline':
      return `offline, retrying${at}`;
    case 'locked':
      return 'signed out';
    default:
      return 'connecting…';
  }
}

/** @param {string[]} names */
function syncAliasFilter(names) {
  const select = /** @type {HTMLSelectElement} */ ($('timeline-filter'));
  const want = ['', ...names];
  if ([...select.options].map((o) => o.value).join('\n') === want.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(...want.map((n) => h('option', { value: n }, n || 'all aliases')));
  select.value = want.includes(chosen) ? chosen : '';
}

/** Relative times ("2m ago") move on between updates, and staleness shows even when nothing arrives. */
function tick() {
  const now = serverNow();
  for (const el of document.querySelectorAll('[data-rel]'))
    el.textContent = relative(Number(/** @type {HTMLElement} */ (el).dataset.rel), now);
  renderLink();
}

/** @param {Status} next */
function accept(next) {
  status = next;
  receivedAt = Date.now();
  syncClock(next.now);
  for (const entry of early) timeline.add(entry, serverNow());
  early = [];
  render();
  renderLink();
}

/** Buttons in the cards are re-drawn every update, so one listener on the container serves them all. */
function onClick(/** @type {MouseEvent} */ event) {
  const button = /** @type {HTMLElement | null} */ (
    /** @type {Element} */ (event.target).closest('button[data-action]')
  );
  if (!button || !status) return;
  const { action, alias: aliasName, model, upstream } = button.dataset;
  const alias = status.aliases.find((a) => a.name === aliasName);
  if (!alias) return;
  if (action === 'stage')
    return openStageDialog(
      alias,
      status.aliases.map((a) => a.name),
    );
  if (action === 'history') return void openHistory(alias.name);
  if (action === 'rollout') return openRolloutDialog(alias, upstreamsFor(alias, status));
  if (action === 'rollout-pause') return openChangeDialog('pause', alias);
  if (action === 'rollout-resume') return openChangeDialog('resume', alias);
  if (action === 'rollout-abort') return openChangeDialog('abort', alias);
  const target = alias.targets.find((t) => t.model === model && (!upstream || t.upstream === upstream));
  if (target && action === 'drain') return openDrainDialog(alias, target);
  if (target && (action === 'pull' || action === 'restore')) openTargetDialog(action, alias, target);
}

/** The upstreams a rollout may name, as far as the status tells them: the alias's own first. */
function upstreamsFor(/** @type {import('./types.js').Alias} */ alias, /** @type {Status} */ all) {
  const names = [...alias.targets, ...all.aliases.flatMap((a) => a.targets)].map((t) => t.upstream);
  return [...new Set(names)];
}

/** After an action the page asks at once instead of waiting for the next push. */
async function refresh() {
  try {
    accept(await getStatus());
  } catch {
    // the live feed will bring it
  }
}

let noticeTimer = 0;
function notify(/** @type {string} */ message) {
  $('notice').textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => {
    $('notice').textContent = '';
  }, 10_000);
}

function main() {
  setupDialogs({
    done(message) {
      notify(message);
      void refresh();
    },
    unauthorized() {
      link = 'locked';
      renderLink();
    },
  });
  $('aliases').addEventListener('click', onClick);
  $('timeline-filter').addEventListener('change', (e) =>
    timeline.filter(/** @type {HTMLSelectElement} */ (e.target).value),
  );
  connectLive({
    status: accept,
    timeline(entry) {
      if (status) timeline.add(entry, serverNow());
      else early.push(entry);
    },
    state(next, detail = '') {
      link = next;
      linkDetail = detail;
      renderLink();
    },
  });
  setInterval(tick, 1_000);
}

main();
