import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Usage, UsageExchange } from '../../limits/usage-exchange.js';
import type { RedisConnection } from './connection.js';
import { LuaScript } from './lua-script.js';

/** A replica whose counts for a key have not moved for this long has stopped (or restarted): its fields go. */
const FORGET_REPLICA_MS = 60_000;
/** A key nobody used for this long leaves Redis. */
const KEY_TTL_MS = 600_000;

/**
 * ARGV key prefix, holder, now, forget ms, ttl ms, then per client key: name, admitted, seen. Per key, one hash with
 * three fields per replica (`<holder>:a`, `:s`, `:t`); answers the others' totals, two numbers per key.
 */
const EXCHANGE = new LuaScript(`
local holder, now = ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 6, #ARGV, 3 do
  local key = ARGV[1] .. ARGV[i]
  local admitted, seen = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if admitted > 0 then redis.call('HINCRBY', key, holder .. ':a', admitted) end
  if seen > 0 then redis.call('HINCRBY', key, holder .. ':s', seen) end
  redis.call('HSET', key, holder .. ':t', now)
  local all = redis.call('HGETALL', key)
  local othersAdmitted, othersSeen, gone = 0, 0, {}
  for j = 1, #all, 2 do
    local who, kind = string.match(all[j], '^(.*):(%a)$')
    if who and who ~= holder then
      local value = tonumber(all[j + 1]) or 0
      if kind == 'a' then othersAdmitted = othersAdmitted + value
      elseif kind == 's' then othersSeen = othersSeen + value
      elseif kind == 't' and value < now - tonumber(ARGV[4]) then gone[#gone + 1] = who end
    end
  end
  for _, who in ipairs(gone) do redis.call('HDEL', key, who .. ':a', who .. ':s', who .. ':t') end
  redis.call('PEXPIRE', key, ARGV[5])
  out[#out + 1] = othersAdmitted
  out[#out + 1] = othersSeen
end
return out`);

/** Client keys' usage pooled in Redis (keys.ts `limit:<name>`), one round trip per exchange whatever the key count. */
export class RedisUsageExchange implements UsageExchange {
  readonly #holder = randomUUID();

  constructor(
    private readonly conn: RedisConnection,
    private readonly clock: Clock,
  ) {}

  async exchange(counts: ReadonlyMap<string, Usage>): Promise<Map<string, Usage>> {
    if (!this.conn.up) throw new Error(this.conn.status().detail ?? 'redis unreachable');
    const names = [...counts.keys()];
    if (names.length === 0) return new Map();
    const args: (string | number)[] = [
      this.conn.keys.limit(''),
      this.#holder,
      this.clock.now(),
      FORGET_REPLICA_MS,
      KEY_TTL_MS,
    ];
    for (const name of names) {
      const usage = counts.get(name)!;
      args.push(name, usage.admitted, usage.seen);
    }
    const flat = (await EXCHANGE.run(this.conn.client, [], args)) as number[];
    return new Map(names.map((name, i) => [name, { admitted: flat[2 * i]!, seen: flat[2 * i + 1]! }]));
  }
}
