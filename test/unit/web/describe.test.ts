import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../support/admin-contract.js';

/** The page's words for timeline entries (web/describe.js, plain browser JavaScript, hence loaded by URL). */
interface Describe {
  timelineWords(e: TimelineEntry, now: number): { what: string; subject: string; tone: string };
}

const words = (await import(new URL('../../../web/describe.js', import.meta.url).href)) as Describe;
const NOW = Date.parse('2026-11-24T14:05:00Z');

describe('web/describe.js timeline words', () => {
  // every kind the real gateway puts on its timeline reads as words, never as the raw kind
  it.each([
    ['ejection_overflow', 'ejection not enforced', 'warn'],
    ['store', 'operator store', 'warn'],
    ['readmitted', 're-admitted', 'ok'],
    ['checking', 'health checking', 'warn'],
  ] as const)('%s reads "%s"', (kind, what, tone) => {
    const entry: TimelineEntry = { id: 1, at: NOW, kind, actor: 'aliasgate', reason: 'why' };
    expect(words.timelineWords(entry, NOW)).toMatchObject({ what, tone });
  });
});
