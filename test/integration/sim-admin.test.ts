import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { INCIDENT, type SimServer, useSim, withSim } from '../support/sim.js';

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

// biome-ignore lint/suspicious/noExplicitAny: tests read into arbitrary JSON answers
type AnyJson = any;

async function generate(sim: SimServer, model: string): Promise<{ status: number; body: AnyJson }> {
  const res = await request(`${sim.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    body: HI,
  });
  return { status: res.statusCode, body: await res.body.json() };
}

async function admin(sim: SimServer, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${sim.url}/_sim/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as AnyJson };
}

describe('/_sim/ controls', () => {
  const sim = useSim();

  it('stats count requests by model as called and by build that served', async () => {
    for (let i = 0; i < 10; i++) await generate(sim(), INCIDENT.alias);
    await generate(sim(), INCIDENT.healthyBuild);
    await generate(sim(), 'no-such-model');
    const { body } = await admin(sim(), 'GET', 'stats');
    expect(body.requests.total).toBe(12);
    expect(body.requests.byModel).toEqual({ [INCIDENT.alias]: 10, [INCIDENT.healthyBuild]: 1 });
    const byBuild = body.requests.byBuild;
    expect(byBuild[INCIDENT.deadBuild] + byBuild[INCIDENT.healthyBuild]).toBe(11);
    expect(body.openRequests).toBe(0);
    expect(sim().stats()).toEqual(body);
  });

  it('healing the dead build makes the alias answer every time', async () => {
    const healed = await admin(sim(), 'POST', `builds/${INCIDENT.deadBuild}`, {
      behaviour: { kind: 'healthy' },
    });
    expect(healed.status).toBe(200);
    expect(healed.body).toMatchObject({
      name: INCIDENT.deadBuild,
      model: INCIDENT.alias,
      behaviour: { kind: 'healthy' },
    });
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) statuses.add((await generate(sim(), INCIDENT.alias)).status);
    expect(statuses).toEqual(new Set([200]));
  });

  it('breaking a healthy build makes it fail as told', async () => {
    await admin(sim(), 'POST', 'builds/gemini-2.5-flash-002', {
      behaviour: { kind: 'transient', status: 500 },
    });
    const r = await generate(sim(), 'gemini-2.5-flash');
    expect(r.status).toBe(500);
    expect(r.body.error.status).toBe('INTERNAL');
  });

  it('rejects a bad patch naming the field, and an unknown build', async () => {
    const bad = await admin(sim(), 'POST', `builds/${INCIDENT.deadBuild}`, { behaviour: { kind: 'sleepy' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^behaviour\.kind: expected one of healthy, dead/);
    const unknown = await admin(sim(), 'POST', 'builds/nope', { behaviour: { kind: 'healthy' } });
    expect(unknown.status).toBe(404);
  });

  it('lists builds, and reset-stats zeroes the counters', async () => {
    const builds = await admin(sim(), 'GET', 'builds');
    expect(builds.body.map((b: { name: string }) => b.name)).toEqual([
      INCIDENT.deadBuild,
      INCIDENT.healthyBuild,
      'gemini-flash-latest-001',
      'gemini-3-flash-preview-001',
      'gemini-2.5-flash-002',
      INCIDENT.embeddingModel,
    ]);
    await generate(sim(), INCIDENT.alias);
    const reset = await admin(sim(), 'POST', 'reset-stats');
    expect(reset.body).toEqual({ requests: { total: 0, byModel: {}, byBuild: {} }, openRequests: 0 });
  });

  it('the same controls in-process: setBehaviour, configureBuild, resetStats', async () => {
    sim().setBehaviour(INCIDENT.healthyBuild, { kind: 'dead' });
    expect((await generate(sim(), INCIDENT.alias)).status).toBe(404);
    expect(sim().configureBuild(INCIDENT.deadBuild, { weight: 0 })).toMatchObject({ weight: 0 });
    sim().setBehaviour(INCIDENT.healthyBuild, { kind: 'healthy' });
    for (let i = 0; i < 10; i++) expect((await generate(sim(), INCIDENT.alias)).status).toBe(200);
    expect(() => sim().setBehaviour(INCIDENT.healthyBuild, { kind: 'nope' } as never)).toThrow(
      /behaviour\.kind/,
    );
    expect(() => sim().setBehaviour('nope', { kind: 'healthy' })).toThrow(/unknown build/);
    sim().resetStats();
    expect(sim().stats().requests.total).toBe(0);
  });
});

describe('determinism', () => {
  async function sequence(seed: number): Promise<string[]> {
    return withSim({ seed }, async (sim) => {
      const out: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await generate(sim, INCIDENT.alias);
        out.push(
          r.status === 200
            ? `${r.body.modelVersion}/${r.body.responseId}/${r.body.candidates[0].content.parts[0].text}`
            : `${r.status}`,
        );
      }
      return out;
    });
  }

  it('the same seed gives the same answers, byte for byte; another seed another sequence', async () => {
    const a = await sequence(5);
    expect(await sequence(5)).toEqual(a);
    expect(await sequence(6)).not.toEqual(a);
  });
});
