import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/random.js';
import { decideOutcome } from '../../../src/sim/behaviour.js';
import { type BehaviourInput, BehaviourSchema } from '../../../src/sim/scenario.js';

const decide = (input: BehaviourInput, seed = 1) =>
  decideOutcome(BehaviourSchema.parse(input), 'build-7', 'alias-x', seededRandom(seed));

describe('decideOutcome', () => {
  it('dead: the incident 404 naming the build', () => {
    expect(decide({ kind: 'dead' })).toEqual({
      kind: 'error',
      error: { code: 404, message: 'Model not found: models/build-7', status: 'NOT_FOUND' },
    });
  });

  it('overloaded: 429 RESOURCE_EXHAUSTED with the configured RetryInfo', () => {
    const outcome = decide({ kind: 'overloaded', retryDelayMs: 1500 });
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(outcome.error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '1.5s',
    });
    expect(JSON.stringify(outcome.error.details)).toContain('"model":"alias-x"');
  });

  it('transient: 503 "high demand" by default, any 5xx when configured', () => {
    expect(decide({ kind: 'transient' })).toEqual({
      kind: 'error',
      error: {
        code: 503,
        status: 'UNAVAILABLE',
        message:
          'This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.',
      },
    });
    expect(decide({ kind: 'transient', status: 500 })).toMatchObject({
      error: { code: 500, status: 'INTERNAL' },
    });
    expect(decide({ kind: 'transient', status: 504 })).toMatchObject({
      error: { code: 504, status: 'DEADLINE_EXCEEDED' },
    });
  });

  it('connection-level kinds and stream kinds carry their parameters', () => {
    expect(decide({ kind: 'hang' })).toEqual({ kind: 'hang' });
    expect(decide({ kind: 'reset' })).toEqual({ kind: 'reset' });
    expect(decide({ kind: 'malformed' })).toEqual({ kind: 'malformed' });
    expect(decide({ kind: 'streamCut', afterChunks: 3 })).toEqual({ kind: 'streamCut', afterChunks: 3 });
    expect(decide({ kind: 'streamError' })).toMatchObject({
      kind: 'streamError',
      afterChunks: 1,
      error: { code: 503 },
    });
  });

  it('a rate makes the behaviour hit that share of requests', () => {
    const random = seededRandom(9);
    const behaviour = BehaviourSchema.parse({ kind: 'transient', rate: 0.25 });
    let failures = 0;
    for (let i = 0; i < 4000; i++)
      if (decideOutcome(behaviour, 'b', 'm', random).kind === 'error') failures++;
    expect(failures / 4000).toBeCloseTo(0.25, 1);
  });

  it('healthy answers and draws no randomness', () => {
    let draws = 0;
    const random = {
      next: () => {
        draws++;
        return 0.5;
      },
    };
    expect(decideOutcome({ kind: 'healthy' }, 'b', 'm', random)).toEqual({ kind: 'answer' });
    expect(decideOutcome(BehaviourSchema.parse({ kind: 'dead' }), 'b', 'm', random).kind).toBe('error');
    expect(draws).toBe(0);
  });
});
