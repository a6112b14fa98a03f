import { describe, expect, it } from 'vitest';
import type { Rollout, TimelineEntry } from '../../support/admin-contract.js';

/** The page's words for timeline entries (web/describe.js, plain browser JavaScript, hence loaded by URL). */
interface Describe {
  timelineWords(e: TimelineEntry, now: number): { what: string; subject: string; tone: string };
  rolloutState(r: Rollout): { label: string; tone: string };
  lastDecision(r: Rollout): string;
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

describe('web/describe.js rollout words', () => {
  const about = { alias: 'team-flash', upstream: 'sim', model: 'flash-002', actor: 'ana' };
  // the reasons as the gateway writes them (admin/lifecycle-routes.ts, lifecycle/driver.ts)
  it.each([
    [
      'rollout',
      'started: sim/flash-002 in steps 10%, 50%, 100%, 30s each; the fix',
      'rollout started',
      'info',
    ],
    ['rollout', 'to 50%: step 1/2: pass; candidate 0/40 failed', 'rollout → 50%', 'ok'],
    ['rollout', 'to 12.5%: step 1/3: pass', 'rollout → 12.5%', 'ok'],
    ['rollout', 'paused: lunch', 'rollout paused', 'warn'],
    ['rollout', 'resumed: back', 'rollout resumed', 'info'],
    ['rollout', 'aborted: aborted by ana: wrong build', 'rollout aborted', 'warn'],
    ['rollout', 'failed: target fault on sim/flash-002: 404 NOT_FOUND', 'rollout failed', 'bad'],
    ['rollout', 'promoted; draining flash-001: step 3/3 (100%): pass', 'rollout at 100%', 'ok'],
    ['rollout', 'succeeded; flash-001 drained and pulled', 'rollout succeeded', 'ok'],
    ['rollout', 'something new', 'rollout', 'info'],
    ['drain', 'from 50% to 0 over 300s, then pulled; replaced', 'drain started', 'info'],
    ['drain', 'drained and pulled', 'drained and pulled', 'info'],
    ['retire', 'retired: decommissioned', 'retired', 'info'],
    ['retire', 'un-retired: needed after all', 'un-retired', 'info'],
  ] as const)('%s "%s" reads "%s"', (kind, reason, what, tone) => {
    const entry: TimelineEntry = { id: 1, at: NOW, kind, reason, ...about };
    expect(words.timelineWords(entry, NOW)).toMatchObject({ what, tone });
  });

  const rollout: Rollout = {
    id: 'team-flash@1',
    alias: 'team-flash',
    upstream: 'sim',
    model: 'flash-002',
    steps: [0.1, 0.5, 1],
    intervalMs: 30_000,
    minRequests: 100,
    alpha: 0.05,
    state: 'running',
    step: 1,
    share: 0.5,
    stepStartedAt: NOW,
    lookAt: NOW + 30_000,
    added: true,
    startedAt: NOW - 30_000,
    by: 'ana',
    reason: 'the fix',
    history: ['step 1/2: pass → step 2/3 (50%)'],
    summary: 'running, step 2/3 (50%)',
    counts: { candidate: { requests: 0, failures: 0 }, baseline: { requests: 0, failures: 0 } },
  };

  it.each([
    ['running', 'running · step 2/3 · 50%', 'info'],
    ['paused', 'paused · step 2/3 · 50%', 'warn'],
    ['aborted', 'aborted at step 2/3 · 50%', 'warn'],
    ['failed', 'failed at step 2/3 · 50%', 'bad'],
    ['succeeded', 'succeeded · 50%', 'ok'],
  ] as const)('a %s rollout reads "%s"', (state, label, tone) => {
    expect(words.rolloutState({ ...rollout, state })).toEqual({ label, tone });
  });

  it('a stopped rollout’s last decision is the one before the stop, which is shown as why it stopped', () => {
    const stopped: Rollout = {
      ...rollout,
      state: 'aborted',
      stopped: 'aborted by ana: wrong build',
      history: [...rollout.history, 'aborted: aborted by ana: wrong build'],
    };
    expect(words.lastDecision(stopped)).toBe('step 1/2: pass → step 2/3 (50%)');
    expect(words.lastDecision({ ...rollout, history: [] })).toBe('');
  });
});
