import type { TargetId } from '../catalog/target.js';
import type { EjectionState } from '../catalog/target-state.js';
import type { StoreStatus } from './operator-store.js';

/**
 * Health shared between gateway replicas (docs/design.md §7): what one replica decided about a target (ejected,
 * checking, back in rotation), so the others stop sending to a dead build without each having to fail on it first,
 * and leases, so an ejected build is health-checked by one replica at a time. Memory (one process) and Redis (a
 * fleet) implement it; both pass one contract suite.
 *
 * Nothing on the request path waits for it: routing reads the local health table; publishing is fire-and-forget
 * and queued while the store is away; a replica that loses the store keeps serving on its own view.
 */
export interface SharedTargetState {
  targetId: TargetId;
  state: EjectionState;
  /** The replica that decided it (hostname:pid, or server.instanceName). */
  by: string;
  /** Epoch ms it was decided. */
  at: number;
}

export interface HealthStore {
  /** Tells the other replicas about a decision made here. Never waits, never throws. */
  publish(change: SharedTargetState): void;
  /** Hears decisions other replicas made (never this replica's own). */
  subscribe(listener: (change: SharedTargetState) => void): () => void;
  /** Every target's last shared state still in force, for a replica that starts late or comes back. */
  snapshot(): Promise<SharedTargetState[]>;
  /**
   * Claims `key` (a target's health checks) for `ttlMs`: true for one replica at a time. When the store is away it
   * answers true, so checks go on (each replica then checks on its own, as without a fleet).
   */
  lease(key: string, ttlMs: number): Promise<boolean>;
  status(): StoreStatus;
  close(): Promise<void>;
}
