/**
 * Deterministic derivation: every random stream in the simulator is seeded from the scenario
 * seed plus a label, so one build's traffic never shifts another's sequence.
 */

/** FNV-1a, 32 bits: fast, stable across runs and platforms. */
export function stringHash(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The seed of the stream named `label` under the scenario `seed`. */
export function deriveSeed(seed: number, label: string): number {
  return stringHash(label, (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
}
