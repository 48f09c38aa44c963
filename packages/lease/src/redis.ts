/**
 * `@async-timer/lease/redis`: leases in Redis hashes, through an ioredis client or a node-redis
 * (v5) client. Each operation is one Lua script run (EVALSHA), decided on the server's `TIME`.
 *
 * Redis without persistence forgets leases when it restarts; a lease whose record is missing
 * starts at the next slot (see `decide`), so a restart never repeats a slot — the slots due while
 * Redis was down, or in flight then, are missed and reported. A primary/replica failover can lose
 * the latest writes (replication is asynchronous): that may repeat a slot, which no lease on such
 * an engine can rule out; use one primary with AOF, or PostgreSQL, where that matters.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { Timer } from "@async-timer/core";
 * import { redisLease } from "@async-timer/lease/redis";
 *
 * const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
 * new Timer(60, ({ fence }) => refreshRates(fence), {
 *   name: "rates",
 *   mode: "fixed_rate",
 *   lease: redisLease(redis, { ttl: 30 }),
 * }).start();
 * ```
 *
 * @module
 */
import { Lease } from "./lease.js";
import { badOption, type LeaseOptions, show } from "./options.js";
import {
  type ClaimInput,
  gridOf,
  type LeaseAnswer,
  type LeaseKey,
  type LeaseStore,
} from "./store.js";

/**
 * What a lease needs of an ioredis client (`Redis` or `Cluster`).
 *
 * @example
 * ```ts
 * const client: IoRedisLike = new Redis();
 * ```
 */
export interface IoRedisLike {
  /** Runs a cached script by its SHA-1 (rejects with `NOSCRIPT` when the server lacks it). */
  evalsha(sha: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Runs a script, caching it on the server. */
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * What a lease needs of a node-redis v5 client (`createClient()`, connected).
 *
 * @example
 * ```ts
 * const client: NodeRedisLike = await createClient().connect();
 * ```
 */
export interface NodeRedisLike {
  /** Runs a cached script by its SHA-1 (rejects with `NOSCRIPT` when the server lacks it). */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Runs a script, caching it on the server. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Options of {@link redisLease} and {@link redisStore}.
 *
 * @example
 * ```ts
 * redisLease(redis, { prefix: "myapp:lease:", ttl: 30 });
 * ```
 */
export interface RedisOptions {
  /** Prepended to the lease's name to make its key. Default `"async-timer:lease:"`. */
  prefix?: string | undefined;
}

/**
 * The script: `decide` (see store.ts) on the hash at KEYS[1], on the server's TIME. Numbers are
 * written with %d: tostring() would print large ones in exponent form and lose digits.
 */
export const LEASE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op, holder, epoch, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'holder', 'epoch', 'expires_at', 'last_slot', 'next_at', 'grid')
local exists = f[1] ~= false
local r_holder, r_epoch, r_exp, r_last, r_next, r_grid = '', 0, 0, 0, 0, ''
if exists then
  r_holder, r_epoch, r_exp = f[1], tonumber(f[2]), tonumber(f[3])
  r_last, r_next, r_grid = tonumber(f[4]), tonumber(f[5]), f[6]
end
local function save()
  redis.call('HSET', KEYS[1], 'holder', r_holder, 'epoch', string.format('%d', r_epoch),
    'expires_at', string.format('%d', r_exp), 'last_slot', string.format('%d', r_last),
    'next_at', string.format('%d', r_next), 'grid', r_grid)
end
local function reply(granted, missed)
  local holding = 0
  if r_holder == holder and r_exp > now then holding = 1 end
  return {granted, holding, r_epoch, r_last, missed, now, r_exp, r_next, r_holder}
end
if op ~= 'claim' then
  if exists and r_holder == holder and r_epoch == epoch then
    if op == 'renew' then r_exp = now + ttl elseif r_exp > now then r_exp = now end
    save()
  end
  return reply(0, 0)
end
local mode, period, anchor, backlog, grid = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
if not exists then
  r_epoch, r_exp, r_grid = now, now, grid
  if mode == 'fixed_rate' then
    r_last = math.floor((now - anchor) / period)
    r_next = anchor + (r_last + 1) * period
  else
    r_last, r_next = 0, now + period
  end
end
local own = r_holder == holder and r_epoch == epoch
if not own and r_exp > now then return reply(0, 0) end
local same = r_grid == grid
if not (own and same) then r_epoch = r_epoch + 1 end
local granted, missed, slot = 0, 0, 0
if mode == 'fixed_rate' then
  if not same then
    r_last = math.ceil((r_next - anchor) / period) - 1
    r_next = anchor + (r_last + 1) * period
  end
  local cur = math.floor((now - anchor) / period)
  slot = cur
  if backlog > 0 then slot = math.max(r_last + 1, cur - backlog) end
  if slot > r_last and slot <= cur then
    granted, missed = 1, slot - r_last - 1
    r_last, r_next = slot, anchor + (slot + 1) * period
  end
else
  if now >= r_next then
    granted = 1
    r_last, r_next = r_last + 1, now + period
  end
end
r_holder, r_exp, r_grid = holder, now + ttl, grid
save()
return reply(granted, missed)
`;

const DEFAULT_PREFIX = "async-timer:lease:";

let digest: Promise<string> | undefined;

/** The script's SHA-1, as EVALSHA wants it (WebCrypto: no Node import needed). */
function scriptSha(): Promise<string> {
  digest ??= globalThis.crypto.subtle
    .digest("SHA-1", new TextEncoder().encode(LEASE_SCRIPT))
    .then((buffer) =>
      [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join(""),
    );
  return digest;
}

function toAnswer(reply: unknown): LeaseAnswer {
  if (!Array.isArray(reply) || reply.length !== 9) {
    throw new Error(`the lease script answered ${show(reply)}`);
  }
  const [granted, holding, epoch, slot, missed, now, expiresAt, nextAt, holder] = reply;
  return {
    granted: Number(granted) === 1,
    holding: Number(holding) === 1,
    epoch: Number(epoch),
    slot: Number(slot),
    missed: Number(missed),
    now: Number(now),
    expiresAt: Number(expiresAt),
    nextAt: Number(nextAt),
    holder: String(holder),
  };
}

function isNoScript(error: unknown): boolean {
  return String((error as Error | undefined)?.message ?? error).startsWith("NOSCRIPT");
}

/**
 * A {@link LeaseStore} on Redis: one script run per operation, on the hash `prefix + name`.
 *
 * @example
 * ```ts
 * const lease = new Lease(redisStore(redis, { prefix: "myapp:" }), { ttl: 30 });
 * ```
 */
export function redisStore(
  client: IoRedisLike | NodeRedisLike,
  options: RedisOptions = {},
  where = "redisStore(client, options)",
): LeaseStore {
  const run = runnerFor(where, client);
  if (typeof options !== "object" || options === null)
    throw badOption(where, "options", "an object", options);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string") throw badOption(where, "prefix", "a string", prefix);
  const call = async (key: string, args: string[]): Promise<LeaseAnswer> => {
    const sha = await scriptSha();
    try {
      return toAnswer(await run.sha(sha, prefix + key, args));
    } catch (error) {
      // The server forgot its scripts (a restart, SCRIPT FLUSH): EVAL loads it again.
      if (!isNoScript(error)) throw error;
      return toAnswer(await run.script(prefix + key, args));
    }
  };
  const keep = (op: string, input: LeaseKey) =>
    call(input.key, [op, input.holder, String(input.epoch), String(input.ttl)]);
  return {
    claim: (input: ClaimInput) =>
      call(input.key, [
        "claim",
        input.holder,
        String(input.epoch),
        String(input.ttl),
        input.mode,
        String(input.period),
        String(input.anchor),
        String(input.backlog),
        gridOf(input),
      ]),
    renew: (input) => keep("renew", input),
    release: (input) => keep("release", input),
  };
}

interface Runner {
  sha(sha: string, key: string, args: string[]): Promise<unknown>;
  script(key: string, args: string[]): Promise<unknown>;
}

/** ioredis has `evalsha`, node-redis v5 `evalSha`: each gets its own calling convention. */
function runnerFor(where: string, client: unknown): Runner {
  const c = client as Partial<IoRedisLike & NodeRedisLike & { query: unknown }> | null;
  if (
    typeof c === "object" &&
    c !== null &&
    typeof c.evalsha === "function" &&
    typeof c.eval === "function"
  ) {
    const io = c as IoRedisLike;
    return {
      sha: (sha, key, args) => io.evalsha(sha, 1, key, ...args),
      script: (key, args) => io.eval(LEASE_SCRIPT, 1, key, ...args),
    };
  }
  if (
    typeof c === "object" &&
    c !== null &&
    typeof c.evalSha === "function" &&
    typeof c.eval === "function"
  ) {
    const node = c as NodeRedisLike;
    return {
      sha: (sha, key, args) => node.evalSha(sha, { keys: [key], arguments: args }),
      script: (key, args) => node.eval(LEASE_SCRIPT, { keys: [key], arguments: args }),
    };
  }
  throw new TypeError(
    `${where}: client must be an ioredis client or a node-redis v5 client; got ${show(client)}`,
  );
}

/**
 * A lease on Redis (see {@link Lease}): pass an ioredis client or a connected node-redis v5
 * client, and the lease options plus `prefix` ({@link RedisOptions}).
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * import { Timer } from "@async-timer/core";
 * import { redisLease } from "@async-timer/lease/redis";
 *
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * new Timer(60, ({ fence }) => refreshRates(fence), {
 *   name: "rates",
 *   mode: "fixed_rate",
 *   lease: redisLease(client, { ttl: 30 }),
 * }).start();
 * ```
 */
export function redisLease(
  client: IoRedisLike | NodeRedisLike,
  options?: LeaseOptions & RedisOptions,
): Lease {
  const where = "redisLease(client, options)";
  const { prefix, ...rest } = options ?? {};
  return new Lease(redisStore(client, { prefix }, where), rest, where);
}
