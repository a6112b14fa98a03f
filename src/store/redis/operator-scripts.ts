import { LuaScript } from './lua-script.js';

/*
 * The operator store's writes, each one atomic in Redis: the change, its audit entry (id from INCR, so ids increase
 * in the order Redis applied them whatever the replicas' clocks say) and the message that tells the other replicas,
 * then every pull as it now stands, so the caller's mirror is exact the moment its action resolves.
 *
 * Audit entries are JSON objects built by the caller; the script puts `"id":N,` after the opening brace (cjson would
 * print epoch milliseconds in floating point and lose digits). A missing epoch key means Redis lost its data: the
 * action answers -1 and the caller reconciles (writing its pulls back) before trying again.
 */

const WITH_ID = `local function withId(id, json) return '{"id":' .. id .. ',' .. string.sub(json, 2) end`;

/** KEYS pulls, audit, audit:seq, epoch. ARGV field, pull JSON, audit JSON, audit cap, channel, message. */
export const PULL = new LuaScript(`${WITH_ID}
if redis.call('EXISTS', KEYS[4]) == 0 then return {-1, {}} end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('LPUSH', KEYS[2], withId(redis.call('INCR', KEYS[3]), ARGV[3]))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {1, redis.call('HGETALL', KEYS[1])}`);

/** KEYS pulls, audit, audit:seq, epoch. ARGV field, the `*` field, audit JSON, audit cap, channel, message. */
export const RESTORE = new LuaScript(`${WITH_ID}
if redis.call('EXISTS', KEYS[4]) == 0 then return {-1, {}} end
if redis.call('HDEL', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('LPUSH', KEYS[2], withId(redis.call('INCR', KEYS[3]), ARGV[3]))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {1, redis.call('HGETALL', KEYS[1])}`);

/** KEYS audit, audit:seq. ARGV audit cap, then one audit JSON per entry, oldest first. */
export const APPEND = new LuaScript(`${WITH_ID}
for i = 2, #ARGV do redis.call('LPUSH', KEYS[1], withId(redis.call('INCR', KEYS[2]), ARGV[i])) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return #ARGV - 1`);

/**
 * KEYS pulls, epoch. Every pull as it stands, or -1 when the epoch key is missing (a new Redis, or one that lost its
 * data): the caller then runs SEED with the pulls it holds. Cheap enough to run every second.
 */
export const RECONCILE = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1, {}} end
return {0, redis.call('HGETALL', KEYS[1])}`);

/**
 * KEYS pulls, epoch, audit, audit:seq. ARGV new epoch, audit cap, audit JSON (used only when pulls are written back),
 * channel, message, then field and pull JSON for every pull the caller holds. If the epoch key is still missing, the
 * caller's pulls are written back (with an audit entry and a message) and the epoch set; either way every pull is
 * returned, with how many were written back.
 */
export const SEED = new LuaScript(`${WITH_ID}
local written = 0
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], ARGV[1])
  for i = 6, #ARGV, 2 do written = written + redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
  if written > 0 then
    redis.call('LPUSH', KEYS[3], withId(redis.call('INCR', KEYS[4]), ARGV[3]))
    redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[2]) - 1)
    redis.call('PUBLISH', ARGV[4], ARGV[5])
  end
end
return {written, redis.call('HGETALL', KEYS[1])}`);
