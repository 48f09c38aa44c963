/**
 * Metric (lease): what a lease costs a tick. One fixed-rate timer ticks `--ticks` times as the
 * only replica (so the holder), on `--engine` (`none`: no lease, the floor of this metric;
 * `memory`, `postgres`, `ioredis`, `ioredis-pipelined`, `node-redis`): CPU µs per tick (process.cpuUsage, user +
 * system, this process only — the engine's own CPU is not counted) and round trips per tick (the
 * target is exactly one per slot for the holder). With `--timers N` (any engine): N leased timers
 * on one pool, each ticking once a second, over 5 s: the same two figures, and ticks/s.
 *
 * Standalone: `pnpm build && node bench/metrics/lease.mjs --engine postgres [--ticks 300]
 * [--period 10] [--timers 1000]`. Engines: ASYNC_TIMER_PG_URL / ASYNC_TIMER_REDIS_URL (default
 * the local servers). Its client libraries are resolved from packages/lease (its dev
 * dependencies).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpuMicros, runChild, sleep } from "../lib/child.mjs";

const leaseDir = fileURLToPath(new URL("../../packages/lease/", import.meta.url));
const require = createRequire(join(leaseDir, "package.json"));
const load = (specifier) => import(pathToFileURL(require.resolve(specifier)).href);
const pgUrl = process.env.ASYNC_TIMER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.ASYNC_TIMER_REDIS_URL ?? "redis://127.0.0.1:6379";
const quiet = { warn() {}, error() {} };

const ENGINES = ["none", "memory", "postgres", "ioredis", "ioredis-pipelined", "node-redis"];

runChild(async (args) => {
  const engine = args.engine ?? "postgres";
  if (!ENGINES.includes(engine)) {
    throw new RangeError(`--engine: one of ${ENGINES.join(", ")}, got ${engine}`);
  }
  const ticks = Number(args.ticks ?? 300);
  const period = Number(args.period ?? 10);
  const timers = args.timers === undefined ? undefined : Number(args.timers);
  const { Timer } = await load("@async-timer/core");
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const engines = await connect(engine, run);
  try {
    if (timers !== undefined) return await many(Timer, engines.lease, timers);
    return await one(Timer, engines.lease(), ticks, period, run);
  } finally {
    await engines.close();
  }
});

/** One leased timer at `period` ms, the only replica: cost per tick once it holds the lease. */
async function one(Timer, lease, ticks, period, run) {
  let count = 0;
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  const timer = new Timer(
    period / 1000,
    () => {
      if (++count === ticks + 20) resolve();
    },
    { name: `bench_${run}`, mode: "fixed_rate", lease, logger: quiet },
  ).start();
  // Warm up (and, for a lease, become the holder) before measuring.
  while (count < 20) await sleep(period);
  const trips = lease?.roundTrips ?? 0;
  const cpu = cpuMicros();
  await done;
  const used = cpuMicros() - cpu;
  await timer.cancel();
  return {
    value: used / ticks,
    trips: lease === undefined ? 0 : (lease.roundTrips - trips) / ticks,
  };
}

/** `timers` leased timers on one pool, each once a second and each a lease of its own. */
async function many(Timer, makeLease, timers) {
  const leases = [];
  let count = 0;
  const all = Array.from({ length: timers }, (_, i) => {
    const lease = makeLease();
    leases.push(lease);
    return new Timer(1, () => void count++, {
      name: `many_${i}`,
      mode: "fixed_rate",
      lease,
      logger: quiet,
    }).start();
  });
  const trips = () => leases.reduce((sum, lease) => sum + (lease?.roundTrips ?? 0), 0);
  await sleep(3000); // every timer holds its lease by now
  const start = count;
  const startTrips = trips();
  const cpu = cpuMicros();
  await sleep(5000);
  const used = cpuMicros() - cpu;
  const ran = Math.max(1, count - start);
  // Read before cancelling: each cancel() releases its lease, one round trip more per timer,
  // which once counted here read as 0.2 extra trips per tick.
  const tripsPerTick = (trips() - startTrips) / ran;
  await Promise.all(all.map((timer) => timer.cancel()));
  return {
    value: used / ran,
    trips: tripsPerTick,
    ticksPerSecond: ran / 5,
    timers,
  };
}

/** The engine's client, a factory of leases on it, and how to clean up after the run. */
async function connect(engine, run) {
  if (engine === "none") return { lease: () => undefined, close: async () => {} };
  const { memoryLease } = await load("@async-timer/lease");
  if (engine === "memory") return { lease: () => memoryLease({ ttl: 2 }), close: async () => {} };
  if (engine === "postgres") {
    const { postgresLease } = await load("@async-timer/lease/postgres");
    const { default: pg } = await load("pg");
    const pool = new pg.Pool({ connectionString: pgUrl, max: 10 });
    const table = `lease_bench_${run}`;
    return {
      lease: () => postgresLease(pool, { table, ttl: 5 }),
      close: async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
        await pool.end();
      },
    };
  }
  const { redisLease } = await load("@async-timer/lease/redis");
  const prefix = `async-timer-bench:${run}:`;
  let client;
  let drop;
  if (engine === "ioredis" || engine === "ioredis-pipelined") {
    const { Redis } = await load("ioredis");
    // Pipelined: the claims made in one turn of the event loop go out in one write (ioredis's
    // auto-pipelining; node-redis v5 does this by itself) — claims batched per connection.
    client = new Redis(redisUrl, { enableAutoPipelining: engine === "ioredis-pipelined" });
    drop = async () => {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    };
  } else {
    const { createClient } = await load("redis");
    client = await createClient({ url: redisUrl }).connect();
    drop = async () => {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(keys);
      client.destroy();
    };
  }
  return { lease: () => redisLease(client, { prefix, ttl: 5 }), close: drop };
}
