import { timelineWords } from './describe.js';
import { h } from './dom.js';
import { clockTime, relative } from './format.js';

/** Enough to cover an incident's story; older entries are in the audit log. */
const KEPT = 500;

/**
 * The incident's story, newest first: ejections with the upstream message that caused them, health checks,
 * re-admissions and operator actions. Entries arrive oldest first on (re)connect and then live; a reconnect
 * replays entries already shown, so each id is shown once.
 *
 * @typedef {import('./types.js').TimelineEntry} TimelineEntry
 */
export class Timeline {
  /** @type {Set<number>} */
  #seen = new Set();
  #list;
  #empty;
  #alias = '';

  constructor(/** @type {HTMLElement} */ list, /** @type {HTMLElement} */ empty) {
    this.#list = list;
    this.#empty = empty;
  }

  add(/** @type {TimelineEntry} */ entry, /** @type {number} */ now) {
    if (this.#seen.has(entry.id)) return;
    this.#seen.add(entry.id);
    const item = entryItem(entry, now);
    item.hidden = !this.#shows(entry.alias);
    this.#list.insertBefore(item, this.#firstOlder(entry.id));
    while (this.#list.children.length > KEPT) this.#list.lastElementChild?.remove();
    this.#empty.hidden = true;
  }

  /** Only one alias's entries ('' for all); entries about no alias (a reload) always show. */
  filter(/** @type {string} */ alias) {
    this.#alias = alias;
    for (const item of /** @type {HTMLCollectionOf<HTMLElement>} */ (this.#list.children))
      item.hidden = !this.#shows(item.dataset.alias);
  }

  /** @param {string | undefined} alias */
  #shows(alias) {
    return !this.#alias || !alias || alias === this.#alias;
  }

  /** Where an entry goes so that ids decrease down the list. */
  #firstOlder(/** @type {number} */ id) {
    for (const item of /** @type {HTMLCollectionOf<HTMLElement>} */ (this.#list.children))
      if (Number(item.dataset.id) < id) return item;
    return null;
  }
}

/** @param {TimelineEntry} e @param {number} now */
function entryItem(e, now) {
  const words = timelineWords(e, now);
  return h(
    'li',
    {
      class: 'event',
      'data-tone': words.tone,
      'data-id': e.id,
      'data-alias': e.alias ?? '',
      'data-kind': e.kind,
    },
    h(
      'div',
      { class: 'event-head' },
      h('time', { datetime: new Date(e.at).toISOString(), class: 'event-time' }, clockTime(e.at, now)),
      h('span', { class: 'rel', 'data-rel': e.at }, relative(e.at, now)),
      h('span', { class: `event-kind tone-${words.tone}` }, words.what),
    ),
    h(
      'div',
      { class: 'event-subject' },
      words.subject,
      h('span', { class: 'muted' }, `${words.subject ? ' — ' : ''}by ${e.actor}`),
    ),
    e.reason && h('div', { class: 'event-reason msg' }, e.reason),
  );
}
