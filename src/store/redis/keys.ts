/**
 * Every key and channel aliasgate uses in Redis, under one prefix (`state.redis.keyPrefix`, default `aliasgate:`):
 *
 * | key | type | holds | expiry |
 * |---|---|---|---|
 * | `pulls` | hash | `alias/upstream/model` → the pull as JSON | none (operator state) |
 * | `audit` | list | audit entries as JSON, newest first, the newest 100,000 kept | none |
 * | `audit:seq` | string | the last audit id (INCR) | none |
 * | `epoch` | string | set once per data set; missing = Redis lost its data, replicas write their pulls back | none |
 * | `health:<target id>` | string | the last shared decision on a target, as JSON | when it stops being in force |
 * | `health:index` | set | target ids with a `health:` key (so a snapshot needs no SCAN) | none (pruned on read) |
 * | `lease:<name>` | string | the replica holding a lease, and until when | its ttl |
 * | `limit:<client key name>` | hash | per replica: requests admitted and seen, last push time | 10 min idle |
 * | `replicas` | sorted set | replica names by last heartbeat (ms) | pruned after 30 s silent |
 *
 * Channels: `operator` (a pull or restore happened: reconcile), `health` (a decision on a target).
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  get pulls(): string {
    return `${this.prefix}pulls`;
  }
  get audit(): string {
    return `${this.prefix}audit`;
  }
  get auditSeq(): string {
    return `${this.prefix}audit:seq`;
  }
  get epoch(): string {
    return `${this.prefix}epoch`;
  }
  get healthIndex(): string {
    return `${this.prefix}health:index`;
  }
  /** Prefix of the per-target health keys; the target id follows. */
  get healthPrefix(): string {
    return `${this.prefix}health:`;
  }
  health(targetId: string): string {
    return `${this.healthPrefix}${targetId}`;
  }
  lease(name: string): string {
    return `${this.prefix}lease:${name}`;
  }
  limit(clientKey: string): string {
    return `${this.prefix}limit:${clientKey}`;
  }
  get replicas(): string {
    return `${this.prefix}replicas`;
  }
  get operatorChannel(): string {
    return `${this.prefix}operator`;
  }
  get healthChannel(): string {
    return `${this.prefix}health`;
  }
}
