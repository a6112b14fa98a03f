import { describe, expect, it } from 'vitest';
import type { AliasEntry } from '../../../src/catalog/alias.js';
import { type Target, type TargetId, targetId } from '../../../src/catalog/target.js';
import type { Verdict } from '../../../src/classify/verdict.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthTable } from '../../../src/health/health-table.js';
import { seededRandom } from '../../../src/random.js';
import {
  type LoopDeps,
  type LoopResult,
  runAttempts,
  type TryTarget,
} from '../../../src/routing/attempt-loop.js';
import { RetryBudget } from '../../../src/routing/retry-budget.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

function alias(name: string, models: string[], fallback: string[] = []): AliasEntry {
  return {
    name,
    methods: ['generateContent'],
    model: {},
    fallback,
    targets: models.map((m) => ({
      id: targetId(name, 'up', m),
      alias: name,
      upstream: 'up',
      model: m,
      weight: 1,
    })),
  };
}

/** Each model answers with a fixed verdict (or a script of verdicts, one per call). */
function harness(
  aliases: AliasEntry[],
  answers: Record<string, Verdict['kind'] | Verdict['kind'][]>,
  opts: {
    pulled?: string[];
    budget?: { percent: number; minRetriesPerSecond: number; windowMs: number };
  } = {},
) {
  const clock = new ManualClock();
  const health = new HealthTable({
    policy: DEFAULT_OUTLIER_POLICY,
    clock,
    random: seededRandom(7),
    groups: aliases.map((a) => [a.name, a.targets.map((t) => t.id)] as [string, TargetId[]]),
  });
  const pulled = aliases.flatMap((a) => a.targets).filter((t) => opts.pulled?.includes(t.model));
  health.setPulls(new Map(pulled.map((t) => [t.id, { by: 'op', at: 0, reason: 'test' }])));
  const calls: string[] = [];
  // what the router does per attempt: send, judge, record
  const tryTarget: TryTarget<string> = async (target: Target) => {
    calls.push(target.model);
    const script = answers[target.model] ?? 'ok';
    const kind = Array.isArray(script) ? (script.shift() ?? 'ok') : script;
    const verdict: Verdict =
      kind === 'ok'
        ? { kind }
        : kind === 'transient'
          ? { kind, reason: kind, origin: 'external' }
          : { kind, reason: kind };
    health.record(target.id, verdict);
    return {
      verdict,
      timedOut: false,
      ...(kind === 'ok' || kind === 'client_error' ? { answer: target.model } : {}),
    };
  };
  const deps: LoopDeps = {
    policy: {
      maxAttempts: 4,
      maxAttemptsPerAlias: 2,
      perTryTimeoutMs: 1000,
      deadlineMs: 5000,
      minAttemptMs: 100,
    },
    targets: health,
    budget: new RetryBudget(opts.budget ?? { percent: 20, minRetriesPerSecond: 10, windowMs: 10_000 }, clock),
    clock,
    random: seededRandom(1),
    capacity: () => Number.POSITIVE_INFINITY,
  };
  const chainOf = (name: string) => {
    const byName = new Map(aliases.map((a) => [a.name, a]));
    const chain = [byName.get(name)!];
    for (const f of chain[0]!.fallback) chain.push(byName.get(f)!);
    return chain;
  };
  const run = (name: string): Promise<LoopResult<string>> => runAttempts(chainOf(name), tryTarget, deps);
  return { run, calls, health, clock };
}

describe('runAttempts', () => {
  it.each([
    ['ok at once', { a: 'ok' }, ['a'], 'answered'],
    ['a target fault moves to the other target', { a: 'target_fault', b: 'ok' }, ['a', 'b'], 'answered'],
    ['a client error is final after one attempt', { a: 'client_error' }, ['a'], 'answered'],
    [
      'transient on both targets falls back to the sibling',
      { a: 'transient', b: 'transient' },
      ['a', 'b', 's'],
      'answered',
    ],
    [
      'every target failing ends after maxAttempts',
      { a: 'transient', b: 'transient', s: 'transient' },
      ['a', 'b', 's', 's'],
      'exhausted',
    ],
  ] as const)('%s', async (_name, answers, expectedCalls, kind) => {
    const h = harness([alias('x', ['a', 'b'], ['sib']), alias('sib', ['s'])], answers as never);
    // force the order a, b by pulling nothing and making a the only untried pick first
    const result = await h.run('x');
    expect(result.kind).toBe(kind);
    expect([...h.calls].sort()).toEqual([...expectedCalls].sort());
  });

  it('a client-mode alias (one target) is retried once, then the fallback serves', async () => {
    const h = harness([alias('x', ['provider-alias'], ['sib']), alias('sib', ['s'])], {
      'provider-alias': ['target_fault', 'target_fault'],
    });
    const result = await h.run('x');
    expect(h.calls).toEqual(['provider-alias', 'provider-alias', 's']);
    expect(result).toMatchObject({ kind: 'answered', alias: { name: 'sib' }, attempts: 3 });
  });

  it('never sends to a pulled target', async () => {
    const h = harness([alias('x', ['a', 'b'])], {}, { pulled: ['a'] });
    for (let i = 0; i < 50; i++) await h.run('x');
    expect(h.calls.every((m) => m === 'b')).toBe(true);
  });

  it('after consecutive target faults the target is ejected and no longer tried', async () => {
    const h = harness([alias('x', ['dead', 'good'])], { dead: 'target_fault' });
    for (let i = 0; i < 200; i++) {
      const r = await h.run('x');
      expect(r.kind).toBe('answered');
    }
    expect(h.calls.filter((m) => m === 'dead').length).toBe(DEFAULT_OUTLIER_POLICY.consecutiveTargetFaults);
  });

  it('with everything ejected it still tries the least-bad target once', async () => {
    const h = harness([alias('x', ['only'])], {
      only: ['transient', 'transient', 'transient', 'transient', 'transient', 'ok'],
    });
    for (let i = 0; i < 3; i++) await h.run('x');
    expect(h.health.inRotation(targetId('x', 'up', 'only'))).toBe(false);
    const before = h.calls.length;
    const result = await h.run('x');
    expect(h.calls.length).toBe(before + 1);
    expect(result.kind).toBe('answered');
  });

  it('the retry budget bounds upstream calls in a total outage', async () => {
    const h = harness(
      [alias('x', ['a', 'b'], ['sib']), alias('sib', ['s'])],
      { a: 'transient', b: 'transient', s: 'transient' },
      {
        budget: { percent: 20, minRetriesPerSecond: 1, windowMs: 10_000 },
      },
    );
    const requests = 1000;
    for (let i = 0; i < requests; i++) await h.run('x');
    expect(h.calls.length).toBeLessThanOrEqual(requests * 1.2 + 10);
  });
});
