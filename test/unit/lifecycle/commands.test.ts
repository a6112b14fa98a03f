import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { configFromObject } from '../../../src/config/load.js';
import { isGatewayError } from '../../../src/errors.js';
import {
  type CommandContext,
  checkRetire,
  newDrain,
  newRollout,
  type RolloutRequest,
} from '../../../src/lifecycle/commands.js';
import { lifecycleOverlays, retiredPulls, routedBy } from '../../../src/lifecycle/overlays.js';
import type { Rollout } from '../../../src/rollout/plan.js';
import { EMPTY_STATE, type OperatorState } from '../../../src/store/operator-store.js';

/** What an operator's rollout, drain and retire commands are checked against (src/lifecycle/commands.ts). */

const NOW = Date.parse('2026-12-01T10:00:00Z');
const config = configFromObject({
  upstreams: { builds: { baseUrl: 'http://127.0.0.1:9' } },
  aliases: {
    flash: {
      targets: [
        { upstream: 'builds', model: 'old', weight: 3 },
        { upstream: 'builds', model: 'other', weight: 1 },
      ],
    },
  },
});

function ctx(state: Partial<OperatorState> = {}): CommandContext {
  return {
    catalog: new Catalog(config),
    configured: (alias) => config.aliases[alias]?.targets ?? [],
    upstreams: ['builds'],
    state: { ...EMPTY_STATE, ...state },
    now: NOW,
  };
}

const ask = (over: Partial<RolloutRequest> = {}): RolloutRequest => ({
  alias: 'flash',
  model: 'new',
  upstream: 'builds',
  steps: [0.1, 0.5, 1],
  intervalMs: 30_000,
  by: 'ana',
  reason: 'r',
  ...over,
});

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (isGatewayError(e)) return { status: e.httpStatus, message: e.message };
    throw e;
  }
  throw new Error('not refused');
}

const running = (over: Partial<Rollout> = {}): Rollout => ({ ...newRollout(ask(), ctx()), ...over });

describe('newRollout', () => {
  it('plans a rollout that adds the build, starts at step 1 and looks after one interval', () => {
    expect(newRollout(ask({ replace: 'old' }), ctx())).toMatchObject({
      id: `flash@${NOW}`,
      state: 'running',
      step: 0,
      added: true,
      replace: 'old',
      lookAt: NOW + 30_000,
      minRequests: 100,
      alpha: 0.05,
      rev: 1,
    });
    expect(newRollout(ask({ model: 'other' }), ctx()).added).toBe(false);
  });

  it.each([
    ['an unknown alias', ask({ alias: 'nope' }), {}, 404, /No alias nope/],
    ['an unknown upstream', ask({ upstream: 'elsewhere' }), {}, 400, /the config has builds/],
    ['a second rollout', ask(), { rollouts: [running()] }, 409, /already has a rollout/],
    [
      'a retired build',
      ask(),
      { retired: [{ upstream: 'builds', model: 'new', by: 'bo', at: 0, reason: 'gone' }] },
      409,
      /retired by bo \(gone\); give --force/,
    ],
    ['replacing a build the alias does not have', ask({ replace: 'ghost' }), {}, 404, /no target ghost/],
    [
      'replacing without reaching 100%',
      ask({ replace: 'old', steps: [0.1, 0.5] }),
      {},
      400,
      /last step of 100/,
    ],
    ['a build replacing itself', ask({ model: 'old', replace: 'old' }), {}, 400, /cannot replace itself/],
    ['steps going down', ask({ steps: [0.5, 0.1] }), {}, 400, /--steps/],
    ['an interval under a second', ask({ intervalMs: 500 }), {}, 400, /--interval/],
    ['a maximum failure rate of 1', ask({ maxFailureRate: 1 }), {}, 400, /--max-failure-rate/],
    [
      'a build added by a rollout and never written into the config',
      ask(),
      { rollouts: [running({ model: 'added-before', state: 'succeeded' })] },
      409,
      /only through rollout .*write it into aliases\.flash\.targets/,
    ],
  ] as const)('refuses %s', (_name, req, state, status, message) => {
    const r = refusal(() => newRollout(req, ctx(state as Partial<OperatorState>)));
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });

  it('a retired build with force is allowed', () => {
    const retired = [{ upstream: 'builds', model: 'new', by: 'bo', at: 0, reason: 'gone' }];
    expect(newRollout(ask({ force: true }), ctx({ retired })).state).toBe('running');
  });
});

describe('newDrain', () => {
  it('drains from the share the build has now', () => {
    expect(
      newDrain({ alias: 'flash', model: 'old', overMs: 60_000, by: 'ana', reason: 'r' }, ctx()),
    ).toMatchObject({
      from: 0.75,
      state: 'draining',
      overMs: 60_000,
    });
  });
  it('refuses a target the alias does not have', () => {
    expect(
      refusal(() => newDrain({ alias: 'flash', model: 'x', overMs: 1, by: 'a', reason: 'r' }, ctx())).status,
    ).toBe(404);
  });
});

describe('retire', () => {
  it('refuses while an alias routes to the build, naming it; not once it is pulled', () => {
    expect(refusal(() => checkRetire('builds', 'old', ctx())).message).toMatch(/still routed to by flash/);
    const pulls = [{ alias: 'flash', upstream: 'builds', model: 'old', by: 'a', at: 0, reason: '' }];
    expect(() => checkRetire('builds', 'old', ctx({ pulls }))).not.toThrow();
  });
  it('refuses while the build is in a rollout', () => {
    expect(refusal(() => checkRetire('builds', 'new', ctx({ rollouts: [running()] }))).message).toMatch(
      /flash/,
    );
  });
  it('a retired build is pulled from every alias that lists it', () => {
    const retired = [{ upstream: 'builds', model: 'old', by: 'bo', at: 1, reason: 'gone' }];
    expect(retiredPulls(new Catalog(config), retired)).toEqual([
      { alias: 'flash', upstream: 'builds', model: 'old', by: 'bo', at: 1, reason: 'retired: gone' },
    ]);
    expect(routedBy(new Catalog(config), [], EMPTY_STATE, 'builds', 'nothing')).toEqual([]);
  });
});

describe('lifecycleOverlays', () => {
  it('a running rollout adds its build at its share; a failed one takes an added build off, a configured one to 0', () => {
    expect(lifecycleOverlays({ rollouts: [running({ step: 1 })], drains: [] }, NOW)).toEqual([
      { alias: 'flash', upstream: 'builds', model: 'new', add: true, share: 0.5 },
    ]);
    expect(lifecycleOverlays({ rollouts: [running({ state: 'failed' })], drains: [] }, NOW)).toEqual([
      { alias: 'flash', upstream: 'builds', model: 'new', remove: true },
    ]);
    expect(
      lifecycleOverlays({ rollouts: [running({ state: 'aborted', added: false })], drains: [] }, NOW)[0],
    ).toMatchObject({ share: 0 });
  });
  it('a drain moves its build’s share down with time', () => {
    const drain = newDrain({ alias: 'flash', model: 'old', overMs: 60_000, by: 'ana', reason: 'r' }, ctx());
    const at = (ms: number) => lifecycleOverlays({ rollouts: [], drains: [drain] }, NOW + ms)[0]!.share;
    expect(at(0)).toBeCloseTo(0.75);
    expect(at(30_000)).toBeCloseTo(0.375);
    expect(at(60_000)).toBe(0);
    expect(at(90_000)).toBe(0);
  });
});
