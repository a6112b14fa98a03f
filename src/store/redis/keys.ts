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
 * | `stages` | hash | alias → the operator's lifecycle override as JSON | none |
 * | `incidents` | hash | id → the ejection episode as JSON | none (the oldest beyond 10,000 dropped) |
 * | `incidents:by-start` | sorted set | incident ids by start time | none |
 * | `rollouts` | hash | id → the rollout as JSON (every one ever started) | none |
 * | `rollouts:latest` / `rollouts:active` | hash | alias → id of its latest / its running rollout | none |
 * | `drains` | hash | id → the drain as JSON | none |
 * | `drains:latest` / `drains:active` | hash | `alias/upstream/model` → id | none |
 * | `retired` | hash | `upstream/model` → the retirement as JSON | none |
 * | `counts:<key>` | hash | replica → its totals for a rollout step, as JSON | 7 days |
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
  get stages(): string {
    return `${this.prefix}stages`;
  }
  get incidents(): string {
    return `${this.prefix}incidents`;
  }
  get incidentsByStart(): string {
    return `${this.prefix}incidents:by-start`;
  }
  /** `rollouts` or `drains`: the records, and which are latest and active per group. */
  records(kind: 'rollouts' | 'drains'): { all: string; latest: string; active: string } {
    return {
      all: `${this.prefix}${kind}`,
      latest: `${this.prefix}${kind}:latest`,
      active: `${this.prefix}${kind}:active`,
    };
  }
  get retired(): string {
    return `${this.prefix}retired`;
  }
  counts(key: string): string {
    return `${this.prefix}counts:${key}`;
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
