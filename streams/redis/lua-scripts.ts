import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisReplyCode } from './redis.errors';
import { ENTRY_FIELDS } from './stream-entry.codec';

/** A Lua script run with EVALSHA; loaded on demand when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

export interface ScriptCall {
  script: LuaScript;
  keys: readonly string[];
  args: readonly (string | number | Buffer)[];
}

/**
 * Runs the calls in one pipeline (one round trip); returns each call's error or result, in order. Calls
 * refused with NOSCRIPT (Redis restarted or flushed its scripts) are sent again, alone, once the scripts
 * are loaded; the others ran and are not repeated.
 */
export async function runScripts(client: Redis, calls: readonly ScriptCall[]): Promise<[Error | null, unknown][]> {
  if (calls.length === 0) return [];
  const send = async (batch: readonly ScriptCall[]): Promise<[Error | null, unknown][]> => {
    const pipeline = client.pipeline();
    for (const call of batch) pipeline.evalsha(call.script.sha, call.keys.length, ...call.keys, ...call.args);
    const results = (await pipeline.exec()) ?? [];
    return batch.map((_, i) => results[i] ?? [new Error('missing pipeline reply'), null]);
  };
  const results = await send(calls);
  const missing = calls.filter((_, i) => redisReplyCode(results[i]?.[0]) === 'NOSCRIPT');
  if (missing.length === 0) return results;
  await Promise.all([...new Set(missing.map((call) => call.script))].map((script) => client.script('LOAD', script.source)));
  const retried = await send(missing);
  let next = 0;
  return results.map((result, i) => (redisReplyCode(results[i]?.[0]) === 'NOSCRIPT' ? (retried[next++] ?? result) : result));
}

/**
 * Publish: KEYS the partition streams a batch touches; ARGV[1] the approximate max length, then per message
 * the 1-based index of its stream in KEYS, its key, value and encoded headers. One `XADD … MAXLEN ~` per
 * message, as a pipeline would send, but parsed and dispatched by Redis once per batch instead of once per
 * message (about twice the throughput of a pipeline of XADDs, measured on the bench).
 */
export const PUBLISH_ENTRIES = new LuaScript(`local maxLen = ARGV[1]
for i = 2, #ARGV, 4 do
  redis.call('XADD', KEYS[tonumber(ARGV[i])], 'MAXLEN', '~', maxLen, '*',
    '${ENTRY_FIELDS.key}', ARGV[i + 1], '${ENTRY_FIELDS.value}', ARGV[i + 2], '${ENTRY_FIELDS.headers}', ARGV[i + 3])
end
return (#ARGV - 1) / 4`);

/** Redis server time in milliseconds, so members on different hosts agree on liveness. */
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Heartbeat: KEYS[1] members zset; ARGV member, ttl ms. Drops members silent for longer than the ttl,
 * records this one, and returns the live members sorted by id.
 */
export const HEARTBEAT = new LuaScript(`${NOW_MS}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
return members`);

/**
 * Acquire: KEYS[1] lease; ARGV member, ttl ms. Takes a free lease, or extends one this member already holds
 * (so a command resent after a reconnect answers the same); returns 1 when held, 0 when another holds it.
 */
export const LEASE_ACQUIRE = new LuaScript(`local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`);

/** Renew: extends the lease only while this member still holds it; 0 means it lapsed or went to another. */
export const LEASE_RENEW = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1
end
return 0`);

/** Release: deletes the lease only while this member holds it. */
export const LEASE_RELEASE = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

/**
 * Forget consumers: KEYS[1] stream; ARGV group, this member, min idle ms. Deletes the group's consumers other
 * than this member that have nothing pending and were idle at least min idle (members that died or moved on),
 * so the consumer list does not grow with every restart. Atomic, so no entry is dropped with its consumer.
 */
export const FORGET_IDLE_CONSUMERS = new LuaScript(`local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
local removed = 0
for _, c in ipairs(consumers) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed`);

/** Leave a stream: KEYS[1] stream; ARGV group, member. Deletes this member's consumer if nothing is pending for it. */
export const DELETE_CONSUMER_IF_DONE = new LuaScript(`local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return -1`);
