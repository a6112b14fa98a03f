/**
 * What is true of one target now, as data (docs/design.md §6): the one union that routing, status pages, metrics,
 * the stores and headers read. Each state carries what it needs and serialises to JSON as is.
 *
 * - `in_rotation`: gets traffic. `ejections` counts ejections in a row (it sets how long the next one lasts);
 *   `since` is when it last came back.
 * - `ejected`: out for a while after failing (ejection.ts); `by` names the replica that ejected it in fleet mode;
 *   `outSince` is when this run of ejections began (re-ejections after failed checks keep it).
 * - `checking`: its ejection ended; health checks decide whether it comes back (still out).
 * - `cooling`: a 429 asked for a pause (Retry-After / RetryInfo); out until `until`, never an ejection.
 * - `pulled`: an operator took it out; it stays out, across restarts, until restored.
 */
export type TargetState =
  | { state: 'in_rotation'; ejections: number; since?: number }
  | {
      state: 'ejected';
      since: number;
      until: number;
      ejections: number;
      reason: string;
      /** When it first left rotation in this run of ejections and checks (the incident's start). */
      outSince: number;
      by?: string;
    }
  | {
      state: 'checking';
      since: number;
      outSince: number;
      ejections: number;
      reason: string;
      successes: number;
      nextCheckAt: number;
    }
  | { state: 'cooling'; until: number; reason: string }
  | { state: 'pulled'; by: string; at: number; reason: string };

export type TargetStateName = TargetState['state'];

/** The part of the union the ejection machine moves through (ejection.ts); pulls and cooling sit on top of it. */
export type EjectionState = Extract<TargetState, { state: 'in_rotation' | 'ejected' | 'checking' }>;
export type Ejected = Extract<TargetState, { state: 'ejected' }>;
export type Checking = Extract<TargetState, { state: 'checking' }>;

/** An operator's pull, as the health table applies it. */
export interface PullMark {
  by: string;
  at: number;
  reason: string;
}
