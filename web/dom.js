/**
 * Building and updating the page without a framework. Everything is set through attributes (never inline
 * style: the CSP forbids it), so morph() can bring a live tree up to date by comparing attributes and text.
 *
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined>} Props
 */

const SVG = 'http://www.w3.org/2000/svg';

/** An HTML element. Props are attributes; false/null/undefined leave one out, true sets it empty. */
export function h(
  /** @type {string} */ tag,
  /** @type {Props} */ props = {},
  /** @type {Child[]} */ ...children
) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element. */
export function s(
  /** @type {string} */ tag,
  /** @type {Props} */ props = {},
  /** @type {Child[]} */ ...children
) {
  return build(document.createElementNS(SVG, tag), props, children);
}

/**
 * @template {Element} E
 * @param {E} el @param {Props} props @param {Child[]} children
 */
function build(el, props, children) {
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === false || child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** @param {Node} node */
function keyOf(node) {
  return node instanceof Element ? node.getAttribute('data-key') : null;
}

/** @param {Node} a @param {Node} b */
function sameKind(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b);
}

/**
 * Makes `from` look like `to`, keeping every node that can be kept: a button that has focus, or is being
 * pressed, stays the same element through an update every two seconds. Children with a data-key are matched
 * by key (an alias's card is never reused for another alias), the rest by position.
 *
 * @param {Node} from @param {Node} to @returns {Node} the node now in the tree
 */
export function morph(from, to) {
  if (!sameKind(from, to)) {
    /** @type {ChildNode} */ (from).replaceWith(to);
    return to;
  }
  if (!(from instanceof Element) || !(to instanceof Element)) {
    if (from.nodeValue !== to.nodeValue) from.nodeValue = to.nodeValue;
    return from;
  }
  syncAttributes(from, to);
  morphChildren(from, to);
  return from;
}

/** @param {Element} from @param {Element} to */
function syncAttributes(from, to) {
  for (const { name, value } of [...to.attributes])
    if (from.getAttribute(name) !== value) from.setAttribute(name, value);
  for (const { name } of [...from.attributes]) if (!to.hasAttribute(name)) from.removeAttribute(name);
}

/** Morphs the children of `parent` into those of `next` (which is emptied). */
export function morphChildren(/** @type {Node} */ parent, /** @type {Node} */ next) {
  /** @type {Map<string, Node>} */
  const keyed = new Map();
  for (const child of parent.childNodes) {
    const key = keyOf(child);
    if (key !== null) keyed.set(key, child);
  }
  const incomingNodes = [...next.childNodes];
  const wanted = new Set(incomingNodes.map(keyOf).filter((k) => k !== null));
  let cursor = parent.firstChild;
  for (const incoming of incomingNodes) {
    const key = keyOf(incoming);
    const match = key !== null ? keyed.get(key) : cursor && keyOf(cursor) === null ? cursor : undefined;
    if (!match) {
      parent.insertBefore(incoming, cursor);
      continue;
    }
    if (key !== null) keyed.delete(key);
    // what is going anyway goes first, rather than the match moving past it: moving a node takes focus off it
    while (
      cursor &&
      cursor !== match &&
      keyOf(cursor) !== null &&
      !wanted.has(/** @type {string} */ (keyOf(cursor)))
    ) {
      const after = cursor.nextSibling;
      parent.removeChild(cursor);
      cursor = after;
    }
    if (match !== cursor) parent.insertBefore(match, cursor);
    cursor = morph(match, incoming).nextSibling;
  }
  while (cursor) {
    const after = cursor.nextSibling;
    parent.removeChild(cursor);
    cursor = after;
  }
}
