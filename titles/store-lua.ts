/**
 * The Lua scripts of the title store (store.ts): each one reads and writes a title's keys in
 * one atomic step on the Redis server.
 */

/**
 * Adds a title to the index of titles, newest first: its score is its creation time in ms, or
 * one more than the newest title's when that is not earlier (created in the same millisecond,
 * or a clock set back), so titles list in the order they were created, never by their ids.
 * KEYS[1] the index; ARGV[1] creation time, ms; ARGV[2] title id.
 */
export const INDEX_TITLE_LUA = `
local score = tonumber(ARGV[1])
local newest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[1], score, ARGV[2])
return 1
`;

/**
 * Moves a title to a new state unless it is already final (or gone), atomically, so a late
 * or duplicated job can never resurrect a failed title or un-publish a ready one.
 * The title's id is published on the state channel in the same step (`TitleStore.stateChannel`):
 * a client watching the title hears of every change, and of none that did not happen.
 * KEYS[1] title hash; ARGV[1] new state; ARGV[2] updatedAt; ARGV[3] the state channel;
 * ARGV[4] the title's id; ARGV[5..] field/value pairs.
 */
export const TRANSITION_LUA = `
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return 'missing' end
if cur == 'ready' or cur == 'failed' then return cur end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[2])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 'ok'
`;

/**
 * Changes fields of a published title, only while it is ready with the given output prefix:
 * a late job must not resurrect a deleted title's hash or annotate a version no longer served.
 * KEYS[1] title hash; ARGV[1] output prefix; ARGV[2] updatedAt; ARGV[3..] field/value pairs.
 */
export const UPDATE_PUBLISHED_LUA = `
if redis.call('HGET', KEYS[1], 'state') ~= 'ready' then return 0 end
if redis.call('HGET', KEYS[1], 'outputPrefix') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

/** A run of a deleted title's job is not recorded (its keys would outlive it). */
export const ADD_SPAN_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -5000, -1)
return 1
`;

/**
 * Adds CPU seconds to one account of a title (a job type's total, or a step's: `cpuStepKey`),
 * only while the title exists: a job that outlives its title's deletion must not leave an
 * orphan hash behind. KEYS[1] title hash; KEYS[2] its CPU hash; ARGV[1] account; ARGV[2] seconds.
 */
export const ADD_CPU_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBYFLOAT', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

/**
 * Claims a title's one master upload: only while it exists, is `uploading` and has no master,
 * and no other upload holds the claim (a lease that the upload renews while it streams).
 * KEYS[1] title hash; KEYS[2] claim key; ARGV[1] upload id; ARGV[2] lease ms.
 * Returns 'claimed', 'missing', 'not-uploading', or the claim's remaining ms as a string.
 */
export const CLAIM_UPLOAD_LUA = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'uploading' or redis.call('HEXISTS', KEYS[1], 'source') == 1 then return 'not-uploading' end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'claimed' end
return tostring(redis.call('PTTL', KEYS[2]))
`;

/** Extends the lease while this upload holds it. KEYS[1] claim key; ARGV[1] upload id; ARGV[2] lease ms. */
export const RENEW_UPLOAD_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Drops the claim if this upload holds it. KEYS[1] claim key; ARGV[1] upload id. */
export const RELEASE_UPLOAD_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Publishes an upload's master by compare-and-set: the title moves to `queued` with its source
 * only while this upload still holds the claim and the title is `uploading` without a master.
 * KEYS[1] title hash; KEYS[2] claim key; ARGV[1] upload id; ARGV[2] updatedAt; ARGV[3] source JSON;
 * ARGV[4] the state channel and ARGV[5] the title's id, published once the title is queued.
 */
export const COMPLETE_UPLOAD_LUA = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'lost' end
redis.call('DEL', KEYS[2])
if state ~= 'uploading' or redis.call('HEXISTS', KEYS[1], 'source') == 1 then return 'not-uploading' end
redis.call('HSET', KEYS[1], 'state', 'queued', 'updatedAt', ARGV[2], 'source', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 'ok'
`;

/** Replaces the sidecar of the same language (or adds it), atomically: two uploads at once both land. */
export const SET_SIDECAR_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local raw = redis.call('HGET', KEYS[1], 'sidecars')
local new = cjson.decode(ARGV[1])
local out = {}
if raw then for _, s in ipairs(cjson.decode(raw)) do if s.language ~= new.language then table.insert(out, s) end end end
table.insert(out, new)
redis.call('HSET', KEYS[1], 'sidecars', cjson.encode(out), 'updatedAt', ARGV[2])
return 1
`;

/** Removes the sidecar of a language; 1 if there was one. */
export const REMOVE_SIDECAR_LUA = `
local raw = redis.call('HGET', KEYS[1], 'sidecars')
if not raw then return 0 end
local out = {}
local found = 0
for _, s in ipairs(cjson.decode(raw)) do if s.language == ARGV[1] then found = 1 else table.insert(out, s) end end
if #out == 0 then redis.call('HDEL', KEYS[1], 'sidecars') else redis.call('HSET', KEYS[1], 'sidecars', cjson.encode(out)) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
return found
`;

/** Records an upload's progress, only while the title exists and is still `uploading`. KEYS[1] title hash; KEYS[2] progress hash. */
export const SET_UPLOAD_PROGRESS_LUA = `
if redis.call('HGET', KEYS[1], 'state') ~= 'uploading' then return 0 end
redis.call('HSET', KEYS[2], 'receivedBytes', ARGV[1], 'totalBytes', ARGV[2], 'status', ARGV[3])
return 1
`;

export const RELEASE_LOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
