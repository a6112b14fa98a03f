import { h } from './dom.js';

/**
 * Where this page's figures come from (which replica, which fleet) and whether the stores behind the
 * operator's actions and the shared health view are up.
 *
 * @typedef {import('./types.js').Status} Status
 * @typedef {import('./types.js').StoreHealth} StoreHealth
 */

export function headerFacts(/** @type {Status} */ status) {
  const { fleet } = status;
  const fleetWords =
    fleet.mode === 'redis'
      ? `redis, ${fleet.replicas.length} replica${fleet.replicas.length === 1 ? '' : 's'}`
      : 'local';
  return h(
    'div',
    { class: 'facts' },
    fact('replica', status.replica),
    fact('fleet', fleetWords, fleet.replicas.join(', ')),
    storePill('operator store', status.store.operator),
    storePill('health store', status.store.health),
  );
}

/** @param {string} label @param {string} value @param {string} [title] */
function fact(label, value, title) {
  return h('span', { class: 'fact', title }, h('span', { class: 'fact-label' }, label), ' ', value);
}

/** @param {string} name @param {StoreHealth} store */
function storePill(name, store) {
  const text = store.ok ? `${name} ok` : `${name} DOWN`;
  return h(
    'span',
    { class: `pill tone-${store.ok ? 'ok' : 'bad'}`, title: store.detail, 'data-store': name },
    text,
  );
}
