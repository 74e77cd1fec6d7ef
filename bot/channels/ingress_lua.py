"""The Redis ingress's Lua scripts and its shards (hash tags spread over the Redis Cluster's slots).

Each shard is one hash tag; every key a script touches is in its shard, so each script runs on one
Cluster slot. A person belongs to one shard (CRC32 of their key), so their order is kept by one shard.
Per shard, with ``p`` = ``<prefix>:{<tag>}``:
  in:<user>  list   the user's updates, oldest first; the head stays until it is done
  sched      set    users that are waiting, leased or parked (each user at most once)
  urgent     list   taken over from a dead worker (expired lease) or due after a wait: served first
  fresh      zset   users who had nothing waiting when they wrote, by the time they wrote (ms)
  ready      list   users with more updates after one was done: round-robin between them
  leases     zset   leased users scored by lease expiry (ms); ``owners`` hash user -> worker token
  later      zset   parked users (a send must wait: rate limit, 429, Bot API down) by due time (ms)
  turn       int    claim counter (shares turns between ``fresh`` and ``ready``)
  seen:<id>  string an update id already accepted (duplicates are dropped)
  p:<id>     hash   progress of the head item: attempts, rendered ops, ops sent, send failures
  dead       list   updates that failed every attempt (``tamin-bot ingress dead-letters --redrive``)

Which person a claim takes: ``urgent`` first (a dead worker's people, people whose wait is over), then
``fresh`` and ``ready`` share the turns 2:1. ``fresh`` is served oldest first while its oldest has
waited less than ``congested`` ms; past that (a backlog, e.g. after workers died), every other fresh
turn goes to the person who wrote LAST (adaptive LIFO, as in Facebook's "Fail at Scale"), so people
who write now are answered at once instead of behind the whole backlog, and the backlog still gets
half of the fresh turns, oldest first, and a third of all turns through ``ready``.

Wake-ups: every person who becomes claimable without a wake-up of their own leaves their shard's number
in the ``{wake}`` list, and workers claim where a wake-up points (they look through every shard only as a
safety net, on a timer): a person who had nothing waiting when they wrote (ACCEPT), a person who still has
more waiting after an item was done (ACK_RELEASE, RELEASE), and, after a claim took someone from
``urgent`` (who have no wake-up of their own), the rest of that shard. On a plain Redis server the
scripts push the wake-up themselves (the ``{wake}`` list is their second key); on a Redis Cluster, where a
script reaches one slot only, they answer that one is due and the worker pushes it.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ms until the first parked person or lease of shard p is due (-1: none); needs NOW's ``now``.
WAKE_MAX = 4096  # wake-ups kept (one per claimable person; past that a lost one is made up for by a sweep)

# Push a wake-up naming shard ``shard`` (its number; with an ``r`` after it when it is not for someone who
# just wrote) when the {wake} list is this script's KEYS[2] (a plain Redis);
# true when it was pushed, false when the caller has to (a Cluster).
WAKE = f"""
local function wake(shard)
  if #KEYS < 2 then return false end
  redis.call('LPUSH', KEYS[2], shard)
  redis.call('LTRIM', KEYS[2], 0, {WAKE_MAX - 1})
  return true
end
"""

NEXT_DUE = """
local function next_due(p)
  local wait = -1
  for _, key in ipairs({p .. ':later', p .. ':leases'}) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] then
      local w = math.max(tonumber(first[2]) - now, 0)
      if wait < 0 or w < wait then wait = w end
    end
  end
  return wait
end
"""

# ARGV: p, user, id, dedup seconds, entry, shard number. 0: a duplicate; 1: queued; 2: queued, the person
# was idle and the wake-up is pushed; 3: the same, the caller pushes the wake-up (a Cluster).
ACCEPT = NOW + WAKE + """
local p = ARGV[1]
if ARGV[3] ~= '' then
  if not redis.call('SET', p .. ':seen:' .. ARGV[3], '1', 'NX', 'EX', ARGV[4]) then return 0 end
end
redis.call('RPUSH', p .. ':in:' .. ARGV[2], ARGV[5])
if redis.call('SADD', p .. ':sched', ARGV[2]) == 1 then
  redis.call('ZADD', p .. ':fresh', now, ARGV[2])
  if wake(ARGV[6]) then return 2 end
  return 3
end
return 1
"""

# ARGV: p, token, lease ms, congested ms, shard number, '1' when sent by the wake-up of a person who just
# wrote (a fresh turn, whoever is due; other claims share the turns by the shard's counter). {1, user, wake} or {0, ms until something is due
# (-1: nothing)}; ``wake`` is '1' when the caller has to push a wake-up for the shard (the claim took someone
# from ``urgent``, who had no wake-up of their own, and more are claimable: on a Cluster).
CLAIM = NOW + WAKE + NEXT_DUE + """
local p = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', p .. ':later', '-inf', now, 'LIMIT', 0, 100)
for i = #due, 1, -1 do
  redis.call('ZREM', p .. ':later', due[i])
  redis.call('LPUSH', p .. ':urgent', due[i])
end
local gone = redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 100)
for i = #gone, 1, -1 do
  redis.call('ZREM', p .. ':leases', gone[i])
  redis.call('HDEL', p .. ':owners', gone[i])
  redis.call('LPUSH', p .. ':urgent', gone[i])
end
local user = redis.call('LPOP', p .. ':urgent')
local more = ''
if user and (redis.call('LLEN', p .. ':urgent') > 0 or redis.call('ZCARD', p .. ':fresh') > 0
             or redis.call('LLEN', p .. ':ready') > 0) and not wake(ARGV[5] .. 'r') then
  more = '1'
end
if not user then
  local c = 1
  if ARGV[6] ~= '1' then
    c = redis.call('INCR', p .. ':turn')
    if c >= 1000000000 then redis.call('SET', p .. ':turn', 0) end
  end
  if c % 3 == 0 then user = redis.call('LPOP', p .. ':ready') end
  if not user then
    local oldest = redis.call('ZRANGE', p .. ':fresh', 0, 0, 'WITHSCORES')
    if oldest[1] then
      if c % 3 == 1 and now - tonumber(oldest[2]) > tonumber(ARGV[4]) then
        user = redis.call('ZPOPMAX', p .. ':fresh')[1]
      else
        user = oldest[1]
        redis.call('ZREM', p .. ':fresh', user)
      end
    end
  end
  if not user then user = redis.call('LPOP', p .. ':ready') end
end
if not user then
  return {0, tostring(next_due(p))}
end
redis.call('ZADD', p .. ':leases', now + tonumber(ARGV[3]), user)
redis.call('HSET', p .. ':owners', user, ARGV[2])
return {1, user, more}
"""

# CLAIM, then the claimed person's head item read at once (one round trip). A head not being sent yet
# has its engine run counted here (attempts + 1, before the work, so a crash loop still ends in the
# dead list). {1, user, wake, entry, attempts, ops, sent, fails, since}; {0, ms} as CLAIM; {0, '0'} when the
# person had nothing left (they are unscheduled, and the caller looks further).
CLAIM_HEAD = CLAIM.replace("""redis.call('HSET', p .. ':owners', user, ARGV[2])
return {1, user, more}""", """redis.call('HSET', p .. ':owners', user, ARGV[2])
local entry = redis.call('LINDEX', p .. ':in:' .. user, 0)
if not entry then
  redis.call('ZREM', p .. ':leases', user)
  redis.call('HDEL', p .. ':owners', user)
  redis.call('SREM', p .. ':sched', user)
  return {0, '0'}
end
local key = p .. ':p:' .. cjson.decode(entry)['id']
local v = redis.call('HMGET', key, 'attempts', 'ops', 'sent', 'fails', 'since')
local attempts = tonumber(v[1] or '0')
if not v[2] then
  attempts = redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('EXPIRE', key, 604800)
end
return {1, user, more, entry, tostring(attempts), v[2] or '', v[3] or '0', v[4] or '0', v[5] or '0'}""")

HEAD = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return {-1} end
local entry = redis.call('LINDEX', p .. ':in:' .. user, 0)
if entry then
  local id = cjson.decode(entry)['id']
  local v = redis.call('HMGET', p .. ':p:' .. id, 'attempts', 'ops', 'sent', 'fails', 'since')
  return {1, entry, v[1] or '0', v[2] or '', v[3] or '0', v[4] or '0', v[5] or '0'}
end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
redis.call('SREM', p .. ':sched', user)
return {0}
"""

ACK = """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
local box = p .. ':in:' .. user
local entry = redis.call('LINDEX', box, 0)
if not entry or cjson.decode(entry)['id'] ~= ARGV[4] then return 0 end
redis.call('LPOP', box)
redis.call('DEL', p .. ':p:' .. ARGV[4])
if ARGV[5] ~= '' then
  redis.call('RPUSH', p .. ':dead', ARGV[5])
  redis.call('LTRIM', p .. ':dead', -10000, -1)
end
return 1
"""

# Is anyone claimable in shard p? 0: yes, now; else ms until a parked person or a lease is due (-1: never).
# Read only: a worker sends it for every shard in one pipeline, then claims where the answer is 0.
PROBE = NOW + NEXT_DUE + """
local p = ARGV[1]
if redis.call('LLEN', p .. ':urgent') > 0 or redis.call('ZCARD', p .. ':fresh') > 0
   or redis.call('LLEN', p .. ':ready') > 0 then return 0 end
return next_due(p)
"""

# ACK, then RELEASE (one round trip after the last send). ARGV: p, user, token, id, dead record, shard
# number. 0: the lease was lost (nothing done); 1: done, nothing more waits; 2: done, more waits (the person
# is at the end of ``ready``, the wake-up pushed); 3: the same, the caller pushes the wake-up (a Cluster).
ACK_RELEASE = WAKE + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
local box = p .. ':in:' .. user
local entry = redis.call('LINDEX', box, 0)
if entry and cjson.decode(entry)['id'] == ARGV[4] then
  redis.call('LPOP', box)
  redis.call('DEL', p .. ':p:' .. ARGV[4])
  if ARGV[5] ~= '' then
    redis.call('RPUSH', p .. ':dead', ARGV[5])
    redis.call('LTRIM', p .. ':dead', -10000, -1)
  end
end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
if redis.call('LLEN', box) > 0 then
  redis.call('RPUSH', p .. ':ready', user)
  if wake(ARGV[6] .. 'r') then return 2 end
  return 3
end
redis.call('SREM', p .. ':sched', user)
return 1
"""

# The head item's progress. ARGV: p, id, attempts, sent, fails, since, ops ('' with ARGV[8] ~= '1': unchanged).
PROGRESS = """
local key = ARGV[1] .. ':p:' .. ARGV[2]
redis.call('HSET', key, 'attempts', ARGV[3], 'sent', ARGV[4], 'fails', ARGV[5], 'since', ARGV[6])
if ARGV[8] == '1' then redis.call('HSET', key, 'ops', ARGV[7]) end
redis.call('EXPIRE', key, 604800)
return 1
"""

RENEW = NOW + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZADD', p .. ':leases', 'XX', now + tonumber(ARGV[4]), user)
return 1
"""

# After one item: more waiting -> the END of ready (round-robin between people; 2 or 3 as ACK_RELEASE);
# none -> unscheduled. ARGV: p, user, token, shard number.
RELEASE = WAKE + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
if redis.call('LLEN', p .. ':in:' .. user) > 0 then
  redis.call('RPUSH', p .. ':ready', user)
  if wake(ARGV[4] .. 'r') then return 2 end
  return 3
end
redis.call('SREM', p .. ':sched', user)
return 1
"""

PARK = NOW + """
local p, user = ARGV[1], ARGV[2]
if redis.call('HGET', p .. ':owners', user) ~= ARGV[3] then return 0 end
redis.call('ZREM', p .. ':leases', user)
redis.call('HDEL', p .. ':owners', user)
redis.call('ZADD', p .. ':later', now + tonumber(ARGV[4]), user)
return 1
"""

# Dead letters back into their person's inbox (at its end), oldest first.
REDRIVE = NOW + """
local p, n = ARGV[1], 0
for i = 1, tonumber(ARGV[2]) do
  local rec = redis.call('LPOP', p .. ':dead')
  if not rec then break end
  local d = cjson.decode(rec)
  local item = d['item']
  redis.call('RPUSH', p .. ':in:' .. item['user'], d['entry'] or cjson.encode(item))
  if redis.call('SADD', p .. ':sched', item['user']) == 1 then
    redis.call('ZADD', p .. ':fresh', now, item['user'])
  end
  n = n + 1
end
return n
"""

# Updates of the old single-slot layout put BEFORE what the person has in their shard. ARGV: p, user, entries...
ADOPT = NOW + """
local p, user = ARGV[1], ARGV[2]
for i = #ARGV, 3, -1 do redis.call('LPUSH', p .. ':in:' .. user, ARGV[i]) end
if redis.call('SADD', p .. ':sched', user) == 1 then redis.call('ZADD', p .. ':fresh', now, user) end
return #ARGV - 2
"""

SCRIPTS = {"accept": ACCEPT, "claim": CLAIM, "claim_head": CLAIM_HEAD, "head": HEAD, "ack": ACK,
           "ack_release": ACK_RELEASE, "probe": PROBE, "progress": PROGRESS, "renew": RENEW, "release": RELEASE, "park": PARK, "redrive": REDRIVE,
           "adopt": ADOPT}


@lru_cache(maxsize=64)
def shard_tags(shards: int) -> tuple[str, ...]:
    """One hash tag per shard, the i-th in the i-th equal part of the slot range (so an evenly split
    Cluster holds the same number of shards on every master)."""
    from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot  # here: no redis-py in a server without Redis

    tags = []
    for i in range(shards):
        j = 0
        while True:
            tag = f"q{i}" if j == 0 else f"q{i}.{j}"
            if key_slot(tag.encode()) * shards // REDIS_CLUSTER_HASH_SLOTS == i:
                tags.append(tag)
                break
            j += 1
    return tuple(tags)


def shard_of(user: str, shards: int) -> int:
    """The shard that holds ``user``'s inbox (stable across processes and restarts)."""
    return zlib.crc32(user.encode()) % shards
