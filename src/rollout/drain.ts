/**
 * A build taken out of an alias gradually: its share of the alias's traffic falls linearly from what it had to 0
 * over `overMs`, then it is pulled (lifecycle/driver.ts). Pure data, revised like a rollout (`rev`).
 */
export interface Drain {
  /** `${alias}/${upstream}/${model}@${startedAt}`. */
  id: string;
  alias: string;
  upstream: string;
  model: string;
  /** Its share of the alias's traffic when the drain began. */
  from: number;
  startedAt: number;
  overMs: number;
  state: 'draining' | 'drained' | 'cancelled';
  endedAt?: number;
  by: string;
  reason: string;
  rev: number;
}

/** The build's share now: falling from `from` to 0 over the drain; 0 once drained. */
export function drainShare(drain: Drain, now: number): number {
  if (drain.state !== 'draining') return 0;
  const left = 1 - (now - drain.startedAt) / drain.overMs;
  return drain.from * Math.min(1, Math.max(0, left));
}

/** The share has reached 0: what is in flight finishes, then the build is pulled. */
export function drainDone(drain: Drain, now: number): boolean {
  return drain.state === 'draining' && now - drain.startedAt >= drain.overMs;
}

/** A build no alias may route to again, unless an operator forces it back. */
export interface Retirement {
  upstream: string;
  model: string;
  by: string;
  at: number;
  reason: string;
}
