/**
 * The real service parses request JSON into protobuf messages, and protobuf's JSON parser stops at 100 levels of
 * nesting (its default recursion limit): deeper bodies are refused with 400. The simulator refuses them the same
 * way, before anything walks the value: several of its readers recurse, and a body nested 10,000 deep would
 * otherwise overflow the stack and come back as a 500 that no real backend sends.
 */
export const MAX_NESTING = 100;

/**
 * How deeply `text` (valid JSON) nests objects and arrays; one pass over the characters, no recursion, so any depth
 * is measured safely. Brackets inside strings do not count.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
