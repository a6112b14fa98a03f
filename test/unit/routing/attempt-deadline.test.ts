import { describe, expect, it } from 'vitest';
import type { AliasEntry } from '../../../src/catalog/alias.js';
import { type Target, targetId } from '../../../src/catalog/target.js';
import { judge } from '../../../src/classify/judge.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthTable } from '../../../src/health/health-table.js';
import { seededRandom } from '../../../src/random.js';
import { type LoopResult, runAttempts, type TryTarget } from '../../../src/routing/attempt-loop.js';
import { RetryBudget } from '../../../src/routing/retry-budget.js';
import { ATTEMPT_TIMEOUT, type AttemptOutcome } from '../../../src/upstream/attempt.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

/**
 * Issue 16: whether a request ran out of time is decided once, from what ended its last attempt, never by reading
 * the clock a second time. Every row runs under a manual clock: time moves 1 ms per step, and each upstream answer
 * lands at the instant the script says.
 */

/** What the n-th attempt to a model does: answer with a status after `at` ms, hang, or time out a hair early. */
type Step = { status: number; at: number } | 'hang' | 'timer fires 1 ms early';

interface Row {
  name: string;
  perTryTimeoutMs: number;
  /** The request's deadline (routing.deadlineMs, or the client's shorter X-Server-Timeout). */
  deadlineMs: number;
  minAttemptMs?: number;
  /** Per model, one step per attempt to it (the last repeats). */
  script: Record<string, Step[]>;
  /** The attempts made, as `model@start-ms`. */
  attempts: string[];
  /** What the client is told: 504 (deadline), 503 (attempts/budget), or 200. */
  answer: 200 | 503 | 504;
}

const rows: Row[] = [
  {
    name: 'a hanging fleet: the attempt cut by the deadline ends the request as a deadline',
    perTryTimeoutMs: 30_000,
    deadlineMs: 1000,
    script: { a: ['hang'], b: ['hang'] },
    attempts: ['a@0'],
    answer: 504,
  },
  {
    name: 'the timer that fires 1 ms before the deadline still means the deadline (no 1 ms attempt, no 503)',
    perTryTimeoutMs: 30_000,
    deadlineMs: 1000,
    script: { a: ['timer fires 1 ms early'], b: ['hang'] },
    attempts: ['a@0'],
    answer: 504,
  },
  {
    name: 'per-try timeouts shorter than the deadline are retried; the last one is cut by the deadline',
    perTryTimeoutMs: 300,
    deadlineMs: 1000,
    script: { a: ['hang'], b: ['hang'], s: ['hang'] },
    attempts: ['a@0', 'b@300', 's@600', 's@900'],
    answer: 504,
  },
  {
    name: 'with less than minAttemptMs left no attempt is started: deadline',
    perTryTimeoutMs: 300,
    deadlineMs: 1000,
    minAttemptMs: 150,
    script: { a: ['hang'], b: ['hang'], s: ['hang'] },
    attempts: ['a@0', 'b@300', 's@600'],
    answer: 504,
  },
  {
    name: 'fast failures use up the attempts well inside the deadline: 503',
    perTryTimeoutMs: 300,
    deadlineMs: 1000,
    script: { a: [{ status: 503, at: 10 }], b: [{ status: 503, at: 10 }], s: [{ status: 503, at: 10 }] },
    attempts: ['a@0', 'b@10', 's@20', 's@30'],
    answer: 503,
  },
  {
    name: 'a failure that leaves too little time for another attempt: deadline, not 503',
    perTryTimeoutMs: 30_000,
    deadlineMs: 1000,
    script: { a: [{ status: 503, at: 950 }], b: [{ status: 200, at: 10 }] },
    attempts: ['a@0'],
    answer: 504,
  },
  {
    name: 'a per-try timeout (not the deadline) moves on, and the next target answers in time',
    perTryTimeoutMs: 300,
    deadlineMs: 1000,
    script: { a: ['hang'], b: [{ status: 200, at: 50 }] },
    attempts: ['a@0', 'b@300'],
    answer: 200,
  },
  {
    name: 'an answer just before the deadline is served',
    perTryTimeoutMs: 30_000,
    deadlineMs: 1000,
    script: { a: [{ status: 200, at: 999 }] },
    attempts: ['a@0'],
    answer: 200,
  },
  {
    name: 'the attempts run out at the same time as the deadline: the last attempt was cut by it, so 504',
    perTryTimeoutMs: 250,
    deadlineMs: 1000,
    script: { a: ['hang'], b: ['hang'], s: ['hang'] },
    attempts: ['a@0', 'b@250', 's@500', 's@750'],
    answer: 504,
  },
];

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

async function run(row: Row): Promise<{ result: LoopResult<string>; attempts: string[] }> {
  const clock = new ManualClock(0);
  const x = alias('x', ['a', 'b'], ['sib']);
  const sib = alias('sib', ['s']);
  const health = new HealthTable({
    policy: DEFAULT_OUTLIER_POLICY,
    clock,
    random: seededRandom(1),
    groups: [
      ['x', x.targets.map((t) => t.id)],
      ['sib', sib.targets.map((t) => t.id)],
    ],
  });
  const attempts: string[] = [];
  const seen = new Map<string, number>();
  const send = (target: Target, timeoutMs: number) => {
    attempts.push(`${target.model}@${clock.now()}`);
    const steps = row.script[target.model] ?? ['hang'];
    const n = seen.get(target.model) ?? 0;
    seen.set(target.model, n + 1);
    const step = steps[Math.min(n, steps.length - 1)]!;
    const outcome = new Promise<AttemptOutcome>((resolve) => {
      const timeout = () =>
        resolve({ kind: 'transport', error: Object.assign(new Error('timeout'), { code: ATTEMPT_TIMEOUT }) });
      if (step === 'hang') clock.setTimeout(timeout, timeoutMs);
      else if (step === 'timer fires 1 ms early') clock.setTimeout(timeout, timeoutMs - 1);
      else if (step.at >= timeoutMs) clock.setTimeout(timeout, timeoutMs);
      else {
        const body = step.status === 200 ? '{"candidates":[]}' : '{"error":{"code":503,"message":"busy"}}';
        clock.setTimeout(
          () =>
            resolve({
              kind: 'answer',
              status: step.status,
              headers: {},
              chunks: [Buffer.from(body)],
              complete: true,
            }),
          step.at,
        );
      }
    });
    return outcome;
  };
  // what the router does per attempt: send, then judge what came back
  const tryTarget: TryTarget<string> = async (target, timeoutMs) => {
    const outcome = await send(target, timeoutMs);
    const verdict = judge(outcome, { model: target.model });
    const answered = verdict.kind === 'ok' || verdict.kind === 'client_error';
    const timedOut = outcome.kind === 'transport' && outcome.error.code === ATTEMPT_TIMEOUT;
    return { verdict, timedOut, ...(answered ? { answer: target.model } : {}) };
  };
  const pending = runAttempts(
    [x, sib],
    tryTarget,
    {
      policy: {
        maxAttempts: 4,
        maxAttemptsPerAlias: 2,
        perTryTimeoutMs: row.perTryTimeoutMs,
        deadlineMs: 60_000,
        minAttemptMs: row.minAttemptMs ?? 100,
      },
      targets: health,
      budget: new RetryBudget({ percent: 100, minRetriesPerSecond: 100, windowMs: 10_000 }, clock),
      clock,
      // every weighted draw lands on the first candidate: a, then the untried b, then the sibling's s
      random: { next: () => 0 },
      capacity: () => Number.POSITIVE_INFINITY,
    },
    row.deadlineMs,
  );
  let result: LoopResult<string> | undefined;
  void pending.then((r) => {
    result = r;
  });
  for (let step = 0; result === undefined && step < 100_000; step++) {
    await new Promise((r) => setImmediate(r));
    if (result === undefined) clock.advance(1);
  }
  return { result: result!, attempts };
}

function answer(result: LoopResult<string>): 200 | 503 | 504 {
  if (result.kind === 'answered') return 200;
  return result.why === 'deadline' ? 504 : 503;
}

describe('the attempt loop and the request deadline (issue 16)', () => {
  it.each(rows)('$name', async (row) => {
    const { result, attempts } = await run(row);
    expect(attempts).toEqual(row.attempts);
    expect(answer(result)).toBe(row.answer);
  });
});
