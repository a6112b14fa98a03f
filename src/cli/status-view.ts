import type { AliasHealth } from '../health/alias-status.js';

interface StatusBody {
  now: number;
  aliases: (AliasHealth & {
    name: string;
    stage?: string;
    replacement?: string;
    shutdown?: string;
    fallback: string[];
    /** The alias's latest rollout (admin/lifecycle-routes.ts view). */
    rollout?: { upstream: string; model: string; summary: string };
    drains?: { upstream: string; model: string; from: number; startedAt: number; overMs: number }[];
  })[];
}

/** `aliasgate status` as a person reads it: one block per alias, one line per target. */
export function renderStatus(body: StatusBody): string {
  const lines: string[] = [];
  for (const a of body.aliases) {
    const stage = a.stage
      ? ` [${a.stage}${a.replacement ? ` → ${a.replacement}` : ''}${a.shutdown ? `, shutdown ${a.shutdown}` : ''}]`
      : '';
    const fallback = a.fallback.length > 0 ? `  fallback: ${a.fallback.join(' → ')}` : '';
    lines.push(
      `${a.name}${stage}  ${a.status} (${a.targetsInRotation}/${a.targets.length} in rotation)${fallback}`,
    );
    if (a.rollout) lines.push(`  rollout of ${a.rollout.upstream}/${a.rollout.model}: ${a.rollout.summary}`);
    for (const d of a.drains ?? []) {
      lines.push(`  draining ${d.upstream}/${d.model}: share to 0 by ${clockTime(d.startedAt + d.overMs)}`);
    }
    for (const t of a.targets) {
      const rate = t.successRate === null ? '   n/a' : `${(t.successRate * 100).toFixed(1).padStart(5)}%`;
      lines.push(
        `  ${`${t.upstream}/${t.model}`.padEnd(48)} w=${weight(t.weight).padEnd(4)} ${describeState(t, body.now).padEnd(30)} ok ${rate} of ${t.requests}`,
      );
      if (t.state !== 'in_rotation' && t.reason) lines.push(`      ${t.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describeState(t: AliasHealth['targets'][number], now: number): string {
  switch (t.state) {
    case 'ejected':
      return `ejected until ${clockTime(t.until)}${t.by ? ` (by ${t.by})` : ''}`;
    case 'checking':
      return 'out: health checking';
    case 'pulled':
      return `pulled by ${t.by}`;
    case 'cooling':
      return `cooling for ${Math.max(0, Math.ceil((t.until - now) / 1000))}s (429)`;
    default:
      return 'in rotation';
  }
}

/** HH:MM:SS in the reader's time zone, as the dashboard shows it. */
function clockTime(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** Weights as configured are whole numbers; those a rollout or a drain set may not be. */
function weight(w: number): string {
  return Number.isInteger(w) ? String(w) : w.toFixed(1);
}
