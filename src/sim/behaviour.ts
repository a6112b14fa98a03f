import type { Random } from '../random.js';
import type { ErrorStatus } from '../wire/envelope.js';
import { modelNotFound, quotaExceeded, serverError } from './google-errors.js';
import type { Behaviour } from './scenario.js';

/** What one request to a build gets, decided before anything is written. */
export type Outcome =
  | { kind: 'answer' }
  | { kind: 'error'; error: ErrorStatus }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'streamCut'; afterChunks: number }
  | { kind: 'streamError'; afterChunks: number; error: ErrorStatus }
  | { kind: 'malformed' }
  | { kind: 'notFoundPage' }
  | { kind: 'bodyCut'; afterBytes: number }
  | { kind: 'raw'; status: number; contentType: string; body: string };

const ANSWER: Outcome = { kind: 'answer' };

/**
 * Applies a build's behaviour to one request. `random` is drawn only when `rate` < 1, so a build
 * that always fails consumes no randomness (keeps seeded sequences easy to reason about).
 * `model` is the public model the quota error names.
 */
export function decideOutcome(behaviour: Behaviour, build: string, model: string, random: Random): Outcome {
  if (behaviour.kind === 'healthy') return ANSWER;
  const rate = behaviour.rate ?? 1;
  if (rate < 1 && random.next() >= rate) return ANSWER;
  switch (behaviour.kind) {
    case 'dead':
      return { kind: 'error', error: modelNotFound(build, behaviour.message) };
    case 'overloaded':
      return {
        kind: 'error',
        error: quotaExceeded(
          model,
          behaviour.retryInfo ? behaviour.retryDelayMs : undefined,
          behaviour.message,
        ),
      };
    case 'transient':
      return { kind: 'error', error: serverError(behaviour.status, behaviour.message) };
    case 'streamError':
      return {
        kind: 'streamError',
        afterChunks: behaviour.afterChunks,
        error: serverError(behaviour.status, behaviour.message),
      };
    case 'streamCut':
      return { kind: 'streamCut', afterChunks: behaviour.afterChunks };
    case 'bodyCut':
      return { kind: 'bodyCut', afterBytes: behaviour.afterBytes };
    case 'raw':
      return {
        kind: 'raw',
        status: behaviour.status,
        contentType: behaviour.contentType,
        body: behaviour.body,
      };
    case 'hang':
    case 'reset':
    case 'malformed':
    case 'notFoundPage':
      return { kind: behaviour.kind };
  }
}
