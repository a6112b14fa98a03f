import { LuaScript } from './lua-script.js';

/**
 * KEYS the target's health key, the index. ARGV state JSON, its `at`, ttl ms, channel, message, target id.
 * Last writer wins by `at` (a decision older than the one stored is dropped, so a replica that comes back with a
 * queued decision cannot undo a newer one); the message goes out only with a write.
 */
export const PUBLISH_STATE = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.at) and tonumber(decoded.at) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`);

/** KEYS the index. ARGV the health key prefix. Every stored decision; ids whose key expired leave the index. */
export const SNAPSHOT = new LuaScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local value = redis.call('GET', ARGV[1] .. id)
  if value then out[#out + 1] = value else redis.call('SREM', KEYS[1], id) end
end
return out`);

/**
 * KEYS the lease key. ARGV holder, now, until (now + ttl), ttl ms. Granted when free, expired by the caller's clock,
 * or already the caller's (a renewal); the value is `holder|until`, and Redis drops it after ttl in any case.
 */
export const LEASE = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, '|', 1, true)
  if sep then
    local holder = string.sub(current, 1, sep - 1)
    local expires = tonumber(string.sub(current, sep + 1))
    if holder ~= ARGV[1] and expires and expires > tonumber(ARGV[2]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1`);
