import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/cli/status-view.js';

const now = new Date(2026, 11, 2, 14, 2, 50).getTime();
const target = {
  id: 'gemini-3.5-flash/sim/gemini-v4p1s-rev24-ajax-sentinel',
  upstream: 'sim',
  model: 'gemini-v4p1s-rev24-ajax-sentinel',
  weight: 68,
  inFlight: 0,
  requests: 3,
  failures: 3,
  successRate: 0,
};
const ejected = {
  state: 'ejected' as const,
  since: now - 1000,
  until: now + 30_000,
  ejections: 1,
  outSince: now - 1000,
  reason: '3 target faults in a row',
};

function line(t: object): string {
  const body = {
    now,
    aliases: [
      {
        name: 'gemini-3.5-flash',
        fallback: [],
        status: 'degraded' as const,
        targetsInRotation: 1,
        targets: [t],
      },
    ],
  };
  return renderStatus(body as never).split('\n')[1]!;
}

describe('aliasgate status', () => {
  it('shows when an ejection ends, and in a fleet which replica ejected the target', () => {
    expect(line({ ...target, ...ejected })).toMatch(/ejected until 14:03:20 +ok/);
    expect(line({ ...target, ...ejected, by: 'host-a:4242' })).toMatch(
      /ejected until 14:03:20 \(by host-a:4242\)/,
    );
  });

  it('shows the alias’s rollout and drains, and weights a share has set', () => {
    const body = {
      now,
      aliases: [
        {
          name: 'gemini-3.5-flash',
          fallback: [],
          status: 'healthy' as const,
          targetsInRotation: 2,
          rollout: { upstream: 'sim', model: 'gemini-3.5-flash-002', summary: 'running, step 1/3 (10%)' },
          drains: [{ upstream: 'sim', model: 'old', from: 0.5, startedAt: now, overMs: 60_000 }],
          targets: [{ ...target, state: 'in_rotation', weight: 7.555555 }],
        },
      ],
    };
    const text = renderStatus(body as never);
    expect(text).toContain('  rollout of sim/gemini-3.5-flash-002: running, step 1/3 (10%)');
    expect(text).toContain('  draining sim/old: share to 0 by 14:03:50');
    expect(text).toMatch(/w=7\.6 /);
  });
});
