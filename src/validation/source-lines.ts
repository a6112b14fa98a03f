import { type Document, isMap, isNode, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/**
 * Maps a field path back to the line of the YAML that holds it, so a validation error can say
 * `gateway.yaml:14:`. A path that does not exist (a required field left out) resolves to the line of
 * its nearest existing ancestor: the mapping the field is missing from.
 */
export function lineOfPath(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  atKey = false,
): number {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, lines) ?? 1;
  for (const [index, step] of path.entries()) {
    const isLast = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) break;
      if (isLast && atKey) return lineOfNode(pair.key, lines) ?? line;
      // a key with no value (`targets:`) has a null value node: fall back to the key's line
      node = pair.value ?? pair.key;
      line = lineOfNode(node, lines) ?? lineOfNode(pair.key, lines) ?? line;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step];
      if (item === undefined) break;
      node = item;
      line = lineOfNode(node, lines) ?? line;
    } else {
      break;
    }
  }
  return line;
}

function lineOfNode(node: unknown, lines: LineCounter): number | undefined {
  if (!isNode(node)) return undefined;
  const range = (node as Node).range;
  return range ? lines.linePos(range[0]).line : undefined;
}
