/** Requests of one client key: admitted (a token spent) and seen (admitted or refused: the demand). */
export interface Usage {
  admitted: number;
  seen: number;
}

/**
 * Where replicas pool their use of client keys' rate limits (store/redis/redis-usage.ts). Each call adds this replica's
 * counts since its last call and answers, per key sent, the other replicas' running totals. Rejects when the store
 * cannot be reached; the limiter then enforces this replica's share alone.
 */
export interface UsageExchange {
  exchange(counts: ReadonlyMap<string, Usage>): Promise<Map<string, Usage>>;
}
