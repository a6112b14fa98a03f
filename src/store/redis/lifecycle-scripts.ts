import { LuaScript } from './lua-script.js';

/*
 * The operator store's writes beyond pulls — stage changes, rollouts, drains, retirements — each atomic in Redis with
 * its audit entry and the `operator` message, like operator-scripts.ts. A missing epoch key answers -1 (Redis lost
 * its data: the caller writes its state back and tries again). Records are whole JSON values; a rollout or a drain is
 * written only over the revision it was derived from, so two replicas deciding one step cannot both win.
 */

const WITH_ID = `local function withId(id, json) return '{"id":' .. id .. ',' .. string.sub(json, 2) end
local function audit(list, seq, json, cap)
  if json ~= '' then
    redis.call('LPUSH', list, withId(redis.call('INCR', seq), json))
    redis.call('LTRIM', list, 0, tonumber(cap) - 1)
  end
end`;

/**
 * KEYS stages, audit, audit:seq, epoch. ARGV alias, override JSON ('' clears), audit JSON, audit cap, channel,
 * message. Idempotent: the same stage, replacement and shutdown again change nothing.
 */
export const STAGE = new LuaScript(`${WITH_ID}
if redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if not current then return 0 end
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  if current then
    local a, b = cjson.decode(current), cjson.decode(ARGV[2])
    if a.stage == b.stage and a.replacement == b.replacement and a.shutdown == b.shutdown then return 0 end
  end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
audit(KEYS[2], KEYS[3], ARGV[3], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`);

/**
 * A rollout or a drain by compare-and-set. KEYS records, latest, active, audit, audit:seq, epoch. ARGV id, group
 * (the alias, or the drain's target), rev, record JSON, active (1/0), audit JSON, audit cap, channel, message.
 * rev 1 creates, and only while the group has nothing active; rev n replaces n - 1.
 */
export const REVISE = new LuaScript(`${WITH_ID}
if redis.call('EXISTS', KEYS[6]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
local rev = tonumber(ARGV[3])
if not current then
  if rev ~= 1 or redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return 0 end
elseif cjson.decode(current).rev ~= rev - 1 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
elseif redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
audit(KEYS[4], KEYS[5], ARGV[6], ARGV[7])
redis.call('PUBLISH', ARGV[8], ARGV[9])
return 1`);

/** KEYS retired, audit, audit:seq, epoch. ARGV field, retirement JSON ('' lifts it), audit JSON, cap, channel, message. */
export const RETIRE = new LuaScript(`${WITH_ID}
if redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
local changed
if ARGV[2] == '' then changed = redis.call('HDEL', KEYS[1], ARGV[1]) else changed = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) end
if changed == 0 then return 0 end
audit(KEYS[2], KEYS[3], ARGV[3], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`);

/**
 * What every replica mirrors besides pulls. KEYS stages, rollouts, rollouts:latest, rollouts:active, drains,
 * drains:latest, drains:active, retired. Returns { stages (flat), rollouts, drains, retired (flat) }: each group's
 * latest record and every active one.
 */
export const LIFECYCLE = new LuaScript(`
local function records(all, latest, active)
  local ids, seen = {}, {}
  for _, key in ipairs({latest, active}) do
    local flat = redis.call('HGETALL', key)
    for i = 2, #flat, 2 do
      if not seen[flat[i]] then seen[flat[i]] = true; ids[#ids + 1] = flat[i] end
    end
  end
  if #ids == 0 then return {} end
  local out = {}
  for _, value in ipairs(redis.call('HMGET', all, unpack(ids))) do
    if value then out[#out + 1] = value end
  end
  return out
end
return {
  redis.call('HGETALL', KEYS[1]),
  records(KEYS[2], KEYS[3], KEYS[4]),
  records(KEYS[5], KEYS[6], KEYS[7]),
  redis.call('HGETALL', KEYS[8]),
}`);

/** KEYS one hash each: stages, retired. ARGV: stage count, then field/value pairs of stages, then of retired. */
export const RESEED = new LuaScript(`
local n = tonumber(ARGV[1])
local i = 2
while i < 2 + n * 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
while i <= #ARGV do redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
return 1`);
