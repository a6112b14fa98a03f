import { clientWords, fallbackWords, targetName, targetState, troubleSince } from './describe.js';
import { h } from './dom.js';
import { when } from './format.js';

/**
 * The first thing on the page: what is wrong right now, in sentences. Which alias, which build is out and
 * why, since when, and what the alias's clients get; a store that cannot save; a connection that dropped.
 *
 * @typedef {import('./types.js').Status} Status
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').StoreHealth} StoreHealth
 */

export function attention(/** @type {Status} */ status, /** @type {number} */ now) {
  const items = [
    ...storeItems(status),
    ...status.aliases.filter((a) => a.status !== 'healthy').map((a) => aliasItem(a, now)),
  ];
  if (!items.length) {
    const n = status.aliases.length;
    items.push(
      h(
        'li',
        { class: 'attn tone-ok', 'data-key': 'ok' },
        `All ${n} aliases healthy: every target in rotation.`,
      ),
    );
  }
  return h('ul', { class: 'attention-list' }, ...items);
}

/** @param {Status} status */
function storeItems(status) {
  const { operator, health } = status.store;
  const out = [];
  if (!operator.ok)
    out.push(
      storeItem(
        'operator',
        'Operator store down: pulls, restores and stage changes cannot be saved.',
        operator.detail,
      ),
    );
  if (!health.ok) {
    const effect =
      status.fleet.mode === 'redis'
        ? 'replicas no longer share ejections; each one decides on its own.'
        : 'ejections are not recorded.';
    out.push(storeItem('health', `Health store down: ${effect}`, health.detail));
  }
  return out;
}

/** @param {string} which @param {string} text @param {string | undefined} detail */
function storeItem(which, text, detail) {
  return h(
    'li',
    { class: 'attn tone-bad', 'data-key': `store-${which}` },
    h('strong', {}, text),
    detail && h('span', { class: 'msg' }, ` ${detail}`),
  );
}

/** @param {Alias} alias @param {number} now */
function aliasItem(alias, now) {
  const since = troubleSince(alias);
  const out = alias.targets.filter((t) => t.state !== 'in_rotation');
  const tone = alias.status === 'unavailable' ? 'bad' : 'warn';
  return h(
    'li',
    { class: `attn tone-${tone}`, 'data-key': `alias-${alias.name}` },
    h('a', { href: `#alias-${alias.name}`, class: 'attn-alias' }, alias.name),
    ` ${alias.status}`,
    since !== undefined && ` since ${when(since, now)}`,
    ` — ${clientWords(alias)}`,
    alias.status === 'unavailable' && `; ${fallbackWords(alias)}`,
    '.',
    h(
      'ul',
      {},
      ...out.map((t) => {
        const words = targetState(t, now);
        return h(
          'li',
          {},
          h('span', { class: 'target-name' }, targetName(t)),
          ` ${words.label}`,
          words.message && h('span', { class: 'msg' }, `: ${words.message}`),
        );
      }),
    ),
  );
}
