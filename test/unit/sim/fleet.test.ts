import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/random.js';
import { Fleet, pickByWeight } from '../../../src/sim/fleet.js';
import { validateScenario } from '../../../src/sim/scenario-load.js';

const scenario = validateScenario({
  models: {
    alias: {
      builds: [
        { name: 'dead', weight: 68, behaviour: { kind: 'dead' } },
        { name: 'good', weight: 32 },
      ],
    },
    other: { builds: [{ name: 'other-1' }, { name: 'other-2' }] },
    plain: {},
    'text-embedding': {},
  },
});

function tally(fleet: Fleet, name: string, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const build = fleet.route(name)!.build.name;
    counts[build] = (counts[build] ?? 0) + 1;
  }
  return counts;
}

describe('Fleet routing', () => {
  it('splits an alias over its builds by weight', () => {
    const counts = tally(new Fleet(scenario, 7), 'alias', 10_000);
    expect(counts.dead! / 10_000).toBeCloseTo(0.68, 1);
    expect(counts.dead! + counts.good!).toBe(10_000);
  });

  it('is the same sequence for the same seed, another for another seed', () => {
    const run = (seed: number) => {
      const fleet = new Fleet(scenario, seed);
      return Array.from({ length: 40 }, () => fleet.route('alias')!.build.name).join(',');
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
  });

  it("one alias's sequence does not depend on traffic to another", () => {
    const quiet = new Fleet(scenario, 5);
    const busy = new Fleet(scenario, 5);
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < 50; i++) {
      a.push(quiet.route('alias')!.build.name);
      busy.route('other');
      busy.route('other');
      b.push(busy.route('alias')!.build.name);
    }
    expect(b).toEqual(a);
  });

  it('serves a build called by its own name from that build only', () => {
    const fleet = new Fleet(scenario, 1);
    for (let i = 0; i < 20; i++) {
      const route = fleet.route('dead')!;
      expect(route.build.name).toBe('dead');
      expect(route.model.id).toBe('alias');
    }
    expect(fleet.route('nope')).toBeUndefined();
  });

  it('gives a model without builds one healthy build of its own name', () => {
    const route = new Fleet(scenario, 1).route('plain')!;
    expect(route.build.name).toBe('plain');
    expect(route.build.behaviour).toEqual({ kind: 'healthy' });
  });

  it('lists only public models in the catalogue, with kind-dependent methods', () => {
    const fleet = new Fleet(scenario, 1);
    expect(fleet.resources.map((r) => r.name)).toEqual([
      'models/alias',
      'models/other',
      'models/plain',
      'models/text-embedding',
    ]);
    expect(fleet.model('alias')!.methods.has('streamGenerateContent')).toBe(true);
    expect(fleet.model('alias')!.methods.has('embedContent')).toBe(false);
    expect(fleet.model('text-embedding')!.methods.has('batchEmbedContents')).toBe(true);
    expect(fleet.model('text-embedding')!.methods.has('generateContent')).toBe(false);
  });

  it('reroutes at once when a weight or behaviour changes at run time', () => {
    const fleet = new Fleet(scenario, 1);
    fleet.configure('dead', { weight: 0 });
    expect(tally(fleet, 'alias', 200)).toEqual({ good: 200 });
    fleet.configure('good', { behaviour: { kind: 'hang' }, latency: { ms: 5 } });
    expect(fleet.view('good')).toMatchObject({ behaviour: { kind: 'hang' }, latency: { ms: 5 } });
    fleet.configure('good', { latency: null });
    expect(fleet.view('good')!.latency).toBeUndefined();
  });
});

describe('pickByWeight', () => {
  it('falls back to the first build when every weight is 0', () => {
    const fleet = new Fleet(scenario, 1);
    const builds = fleet.model('alias')!.builds;
    fleet.configure('dead', { weight: 0 });
    fleet.configure('good', { weight: 0 });
    expect(pickByWeight(builds, seededRandom(1)).name).toBe('dead');
  });
});
