import { seededRandom } from '../../random.js';
import { stringHash } from '../seeds.js';

/**
 * A deterministic unit vector for a text: the sum of one pseudo-random vector per word
 * (hashed bag of words), normalised. Texts sharing words point the same way, so cosine
 * similarity behaves plausibly in tests and demos; the same text always gets the same vector.
 */
export function embedText(text: string, dimensions: number): number[] {
  const sum = new Float64Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [''];
  for (const word of words) {
    const random = seededRandom(stringHash(word));
    for (let i = 0; i < dimensions; i++) sum[i]! += random.next() * 2 - 1;
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += sum[i]! * sum[i]!;
  norm = Math.sqrt(norm) || 1;
  const out = new Array<number>(dimensions);
  // 6 significant digits keep bodies small; the real service sends floats of similar precision
  for (let i = 0; i < dimensions; i++) out[i] = Number((sum[i]! / norm).toPrecision(6));
  return out;
}
