import type { HealthStore, SharedTargetState } from '../health-store.js';
import type { StoreStatus } from '../operator-store.js';

/**
 * The health store of a gateway that runs alone (no `state.redis`): there is no other replica to tell or to hear,
 * and every health-check lease is granted, so the checker behaves exactly as it does without a fleet.
 */
export class MemoryHealthStore implements HealthStore {
  publish(_change: SharedTargetState): void {}

  subscribe(_listener: (change: SharedTargetState) => void): () => void {
    return () => undefined;
  }

  async snapshot(): Promise<SharedTargetState[]> {
    return [];
  }

  async lease(_key: string, _ttlMs: number): Promise<boolean> {
    return true;
  }

  status(): StoreStatus {
    return { ok: true, queued: 0 };
  }

  async close(): Promise<void> {}
}
