import type { Clock } from '../../../src/clock.js';
import type { Random } from '../../../src/random.js';
import { SPARKLINE_BUCKETS, type TimelineEntry } from '../admin-contract.js';
import { type FakeAlias, FakeFleet, type FakeTarget, type FleetEvents, type Profile } from './fleet.js';
import { emptyBuckets } from './windows.js';

/** The names the dashboard tests look for. */
export const DASH_INCIDENT = {
  alias: 'gemini-3.5-flash',
  deadBuild: 'gemini-v4p1s-rev24-ajax-sentinel',
  healthyBuild: 'gemini-3.5-flash-001',
  deadMessage: '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
  /** An alias with two healthy builds: pulling one leaves the alias served. */
  twoBuildAlias: 'gemini-2.5-flash',
  spareBuild: 'gemini-2.5-flash-002',
  /** A healthy build of the incident's model that no alias routes to yet: the one a rollout brings in. */
  newBuild: 'gemini-3.5-flash-002',
  replica: 'host-a:4242',
  otherReplica: 'host-b:4242',
} as const;

const HEALTHY: Profile = { successRate: 0.999, p50Ms: 410, p99Ms: 1_350 };
const SLOWER: Profile = { successRate: 0.998, p50Ms: 640, p99Ms: 2_100 };
const DEAD: Profile = { successRate: 0, p50Ms: 35, p99Ms: 60, deadMessage: DASH_INCIDENT.deadMessage };
const FIRST_FAULTS = 3;

function target(model: string, weight: number, profile: Profile): FakeTarget {
  return {
    upstream: 'sim',
    model,
    weight,
    profile,
    health: { state: 'in_rotation' },
    buckets: emptyBuckets(),
    inFlight: 0,
  };
}

function alias(name: string, rps: number, targets: FakeTarget[], more: Partial<FakeAlias> = {}): FakeAlias {
  return { name, stageSource: 'config', fallback: [], rps, targets, buckets: emptyBuckets(), ...more };
}

function aliases(): FakeAlias[] {
  return [
    alias(
      DASH_INCIDENT.alias,
      6,
      [target(DASH_INCIDENT.healthyBuild, 32, HEALTHY), target(DASH_INCIDENT.deadBuild, 68, DEAD)],
      { stage: 'ga', fallback: ['gemini-flash-latest'] },
    ),
    alias('gemini-flash-latest', 3, [target('gemini-flash-latest', 1, HEALTHY)], { stage: 'ga' }),
    alias('gemini-3-flash-preview', 1.2, [target('gemini-3-flash-preview', 1, SLOWER)], { stage: 'preview' }),
    alias(
      DASH_INCIDENT.twoBuildAlias,
      4,
      [target('gemini-2.5-flash-001', 1, HEALTHY), target(DASH_INCIDENT.spareBuild, 1, HEALTHY)],
      { stage: 'ga' },
    ),
    alias('gemini-2.0-flash', 0.4, [target('gemini-2.0-flash-001', 1, SLOWER)], {
      stage: 'deprecated',
      replacement: 'gemini-2.5-flash',
      shutdown: '2026-12-31',
    }),
  ];
}

/**
 * The incident five minutes in, as the dashboard would find it: the dead build took its first calls when the
 * gateway started, was ejected after three 404s and has failed every health check since (each failure ejects
 * it for longer); its sibling serves the alias; every other alias is healthy.
 */
export function incidentFleet(clock: Clock, random: Random, events: FleetEvents): FakeFleet {
  const start = clock.now() - SPARKLINE_BUCKETS * 10_000;
  const list = aliases();
  const history = backstory(start, list);
  const ejections = history.filter((e) => e.kind === 'ejected');
  const last = ejections.at(-1)!;
  list[0]!.targets[1]!.health = {
    state: 'ejected',
    since: ejections[0]!.at,
    until: last.until!,
    ejections: ejections.length,
    reason: last.reason,
    by: last.actor,
  };
  const fleet = new FakeFleet(
    {
      replica: DASH_INCIDENT.replica,
      fleet: { mode: 'redis', replicas: [DASH_INCIDENT.replica, DASH_INCIDENT.otherReplica] },
      aliases: list,
      history,
    },
    clock,
    random,
    events,
  );
  for (let i = 0; i < SPARKLINE_BUCKETS; i++) fleet.trafficTick();
  firstFaults(list[0]!);
  return fleet;
}

/** The dead build's three 404s in the oldest bucket, each retried on the healthy build. */
function firstFaults(incident: FakeAlias): void {
  const [healthyBuild, deadBuild] = incident.targets;
  deadBuild!.buckets[0] = {
    requests: FIRST_FAULTS,
    failures: FIRST_FAULTS,
    attempts: FIRST_FAULTS,
    p50Ms: 35,
    p99Ms: 60,
  };
  const first = incident.buckets[0]!;
  first.attempts += FIRST_FAULTS;
  healthyBuild!.buckets[0]!.requests += FIRST_FAULTS;
}

function backstory(start: number, list: FakeAlias[]): Omit<TimelineEntry, 'id'>[] {
  const about = { alias: DASH_INCIDENT.alias, upstream: 'sim', model: DASH_INCIDENT.deadBuild };
  const by = DASH_INCIDENT.otherReplica;
  const out: Omit<TimelineEntry, 'id'>[] = [
    {
      at: start - 5_000,
      kind: 'reload',
      actor: DASH_INCIDENT.replica,
      reason: `configuration loaded: ${list.length} aliases, ${list.reduce((n, a) => n + a.targets.length, 0)} targets`,
    },
    {
      ...about,
      at: start + 2_000,
      kind: 'ejected',
      actor: by,
      reason: `3 target faults in a row; last: ${DASH_INCIDENT.deadMessage}`,
      until: start + 32_000,
    },
  ];
  let at = start + 32_000;
  for (let n = 2; n <= 4; n++) {
    out.push({ ...about, at, kind: 'checking', actor: by, reason: 'ejection over; health checks running' });
    out.push({
      ...about,
      at: at + 1_000,
      kind: 'health_check',
      actor: by,
      reason: DASH_INCIDENT.deadMessage,
      ok: false,
    });
    const reason = `health check failed: ${DASH_INCIDENT.deadMessage}`;
    out.push({
      ...about,
      at: at + 1_000,
      kind: 'ejected',
      actor: by,
      reason,
      until: at + 1_000 + 30_000 * n,
    });
    at += 1_000 + 30_000 * n;
  }
  return out;
}
