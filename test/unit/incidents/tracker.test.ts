import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { type TargetId, targetId } from '../../../src/catalog/target.js';
import type { Verdict } from '../../../src/classify/verdict.js';
import { configFromObject } from '../../../src/config/load.js';
import { IncidentTracker } from '../../../src/incidents/tracker.js';
import type { Incident } from '../../../src/store/operator-store.js';
import type { TimelineEntry } from '../../../src/timeline/timeline.js';

/**
 * Ejection episodes (src/incidents/tracker.ts): what an incident's report will say about one target's time out of
 * rotation — the failures that ejected it, what it cost while out, and when it came back.
 */

const ALIAS = 'gemini-3.5-flash';
const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const HEALTHY = 'gemini-3.5-flash-001';
const DEAD_404 = `404 NOT_FOUND: Model not found: models/${DEAD}`;
const RESET = 'ECONNRESET: connection reset by upstream';
const T0 = Date.parse('2026-11-24T14:02:00Z');

const catalog = new Catalog(
  configFromObject({
    upstreams: { sim: { baseUrl: 'http://127.0.0.1:9000' } },
    aliases: {
      [ALIAS]: {
        targets: [
          { upstream: 'sim', model: HEALTHY, weight: 32 },
          { upstream: 'sim', model: DEAD, weight: 68 },
        ],
      },
    },
  }),
);

const dead = targetId(ALIAS, 'sim', DEAD);
const healthy = targetId(ALIAS, 'sim', HEALTHY);
const fault = (reason = DEAD_404): Verdict => ({ kind: 'target_fault', reason });
const transient: Verdict = { kind: 'transient', reason: RESET, origin: 'external' };

let nextId = 1;
function entry(kind: TimelineEntry['kind'], model: string, at: number, more: Partial<TimelineEntry> = {}) {
  return {
    id: nextId++,
    at,
    kind,
    alias: ALIAS,
    upstream: 'sim',
    model,
    actor: 'aliasgate',
    reason: `3 target faults in a row; last: ${DEAD_404}`,
    ...more,
  } satisfies TimelineEntry;
}

function setup() {
  const saved: Incident[] = [];
  const tracker = new IncidentTracker(
    () => catalog,
    (i) => saved.push(i),
    'host-a:4242',
  );
  return { tracker, saved };
}

function times(n: number, fn: () => void): void {
  for (let i = 0; i < n; i++) fn();
}

describe('IncidentTracker: an episode opens on ejection', () => {
  it('with the failures and retries of the streak that ejected it', () => {
    const { tracker, saved } = setup();
    tracker.attempt(dead, fault(RESET));
    tracker.retried(dead);
    times(2, () => {
      tracker.attempt(dead, fault());
      tracker.retried(dead);
    });
    tracker.timeline(entry('ejected', DEAD, T0, { until: T0 + 30_000 }));
    expect(saved).toEqual([
      {
        id: `${dead}@${T0}`,
        alias: ALIAS,
        upstream: 'sim',
        model: DEAD,
        startedAt: T0,
        endedAt: null,
        requests: 3,
        retries: 3,
        ejections: 1,
        // most frequent first
        messages: [
          { message: DEAD_404, count: 2 },
          { message: RESET, count: 1 },
        ],
        by: 'host-a:4242',
      },
    ]);
  });

  // which verdicts belong to a streak: only the target's own faults; an answer ends it
  it.each<[string, Verdict[], number]>([
    ['target faults and transients both count', [fault(), transient, fault()], 3],
    ['a success ends the streak', [fault(), fault(), { kind: 'ok' }, fault()], 1],
    [
      'a client error is an answer: it ends the streak too',
      [fault(), { kind: 'client_error', reason: '400' }],
      0,
    ],
    [
      'a 429 is no fault and leaves the streak alone',
      [fault(), { kind: 'overloaded', reason: '429' }, fault()],
      2,
    ],
    ['the gateway’s own mistake is not charged', [fault(), { kind: 'gateway_fault', reason: 'ours' }], 1],
  ])('%s', (_name, verdicts, requests) => {
    const { tracker, saved } = setup();
    for (const v of verdicts) tracker.attempt(dead, v);
    tracker.timeline(entry('ejected', DEAD, T0));
    expect(saved[0]?.requests).toBe(requests);
  });

  it('an ejection with no failures seen here (another replica’s, a failure rate) keeps the ejection’s reason', () => {
    const { tracker, saved } = setup();
    tracker.timeline(entry('ejected', DEAD, T0, { reason: 'failure rate 60% over 30 s' }));
    expect(saved[0]).toMatchObject({
      requests: 0,
      messages: [{ message: 'failure rate 60% over 30 s', count: 1 }],
    });
  });

  it('entries about no target, or a target the catalog does not have, open nothing', () => {
    const { tracker, saved } = setup();
    tracker.timeline({ id: 1, at: T0, kind: 'reload', actor: 'operator', reason: 'config reloaded' });
    tracker.timeline(entry('ejected', 'no-such-build', T0));
    expect(saved).toEqual([]);
    expect(tracker.openEpisodes()).toEqual([]);
  });
});

describe('IncidentTracker: while the episode is open', () => {
  it('counts failed attempts, retries and failed health checks, saved at the next flush', () => {
    const { tracker, saved } = setup();
    times(3, () => tracker.attempt(dead, fault()));
    tracker.timeline(entry('ejected', DEAD, T0));
    times(4, () => tracker.attempt(dead, fault()));
    tracker.attempt(dead, transient);
    times(2, () => tracker.retried(dead));
    tracker.timeline(
      entry('health_check', DEAD, T0 + 31_000, { ok: false, reason: 'check: 503 UNAVAILABLE' }),
    );
    tracker.timeline(entry('health_check', DEAD, T0 + 32_000, { ok: true, reason: 'health check passed' }));
    expect(saved).toHaveLength(1);
    tracker.flush();
    expect(saved.at(-1)).toMatchObject({
      requests: 8,
      retries: 2,
      ejections: 1,
      endedAt: null,
      messages: [
        { message: DEAD_404, count: 7 },
        { message: RESET, count: 1 },
        { message: 'check: 503 UNAVAILABLE', count: 1 },
      ],
    });
  });

  it('a failed check’s ejection extends the same episode and is saved at once', () => {
    const { tracker, saved } = setup();
    times(3, () => tracker.attempt(dead, fault()));
    tracker.timeline(entry('ejected', DEAD, T0));
    tracker.timeline(entry('ejected', DEAD, T0 + 31_000, { reason: `health check failed: ${DEAD_404}` }));
    expect(saved.map((i) => [i.id, i.ejections, i.startedAt])).toEqual([
      [`${dead}@${T0}`, 1, T0],
      [`${dead}@${T0}`, 2, T0],
    ]);
    expect(tracker.openEpisodes()).toHaveLength(1);
  });

  it('flush saves only the episodes that changed since their last save, each once', () => {
    const { tracker, saved } = setup();
    for (const [id, model] of [
      [dead, DEAD],
      [healthy, HEALTHY],
    ] as [TargetId, string][]) {
      times(3, () => tracker.attempt(id, fault()));
      tracker.timeline(entry('ejected', model, T0));
    }
    saved.length = 0;
    tracker.flush();
    expect(saved).toEqual([]);
    times(5, () => tracker.attempt(dead, fault()));
    tracker.flush();
    expect(saved.map((i) => [i.model, i.requests])).toEqual([[DEAD, 8]]);
    tracker.flush();
    expect(saved).toHaveLength(1);
  });

  it('saves copies: a later failure does not change what was handed over', () => {
    const { tracker, saved } = setup();
    times(3, () => tracker.attempt(dead, fault()));
    tracker.timeline(entry('ejected', DEAD, T0));
    tracker.attempt(dead, fault());
    tracker.flush();
    tracker.attempt(dead, fault());
    tracker.retried(dead);
    expect(saved.map((i) => [i.requests, i.retries])).toEqual([
      [3, 0],
      [4, 0],
    ]);
  });

  it('keeps at most 20 distinct messages; the rest are counted under the last kept', () => {
    const { tracker, saved } = setup();
    tracker.timeline(entry('ejected', DEAD, T0));
    for (let i = 0; i < 25; i++) tracker.attempt(dead, fault(`503 UNAVAILABLE: shard ${i}`));
    tracker.flush();
    const messages = saved.at(-1)!.messages;
    expect(messages).toHaveLength(20);
    // the ejection's own reason, then 25 failures: none lost from the count
    expect(messages.reduce((n, m) => n + m.count, 0)).toBe(26);
  });
});

describe('IncidentTracker: an episode closes on re-admission', () => {
  it('with its end time; a later fault starts a new streak, not the old episode', () => {
    const { tracker, saved } = setup();
    times(3, () => tracker.attempt(dead, fault()));
    tracker.timeline(entry('ejected', DEAD, T0));
    tracker.timeline(entry('readmitted', DEAD, T0 + 95_000, { reason: '2 health checks passed' }));
    expect(saved.at(-1)).toMatchObject({ id: `${dead}@${T0}`, endedAt: T0 + 95_000, requests: 3 });
    expect(tracker.openEpisodes()).toEqual([]);

    tracker.attempt(dead, fault());
    tracker.flush();
    expect(saved).toHaveLength(2);
    tracker.timeline(entry('ejected', DEAD, T0 + 200_000));
    expect(saved.at(-1)).toMatchObject({ id: `${dead}@${T0 + 200_000}`, requests: 1, endedAt: null });
  });

  it('a re-admission without an open episode saves nothing', () => {
    const { tracker, saved } = setup();
    tracker.timeline(entry('readmitted', HEALTHY, T0));
    expect(saved).toEqual([]);
  });
});

describe('IncidentTracker saves snapshots', () => {
  it('a saved episode does not change when the open one goes on counting', () => {
    const saved: Incident[] = [];
    const tracker = new IncidentTracker(
      () => catalog,
      (i) => saved.push(i),
    );
    for (let i = 0; i < 3; i++) tracker.attempt(dead, fault());
    tracker.timeline({
      id: 1,
      at: T0,
      kind: 'ejected',
      alias: ALIAS,
      upstream: 'sim',
      model: DEAD,
      actor: 'test',
      reason: DEAD_404,
      until: T0 + 30_000,
    } as TimelineEntry);
    const first = saved.at(-1)!;
    const counted = first.messages[0]!.count;
    tracker.attempt(dead, fault());
    tracker.attempt(dead, fault('404 NOT_FOUND: another wording'));
    expect(first.messages[0]!.count).toBe(counted);
    expect(first.messages).toHaveLength(1);
    tracker.flush();
    expect(saved.at(-1)!.messages.reduce((n, m) => n + m.count, 0)).toBe(saved.at(-1)!.requests);
  });
});
